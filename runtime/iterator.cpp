// iterator.cpp — immutable, lazy iterators (LANGUAGE.md §14, extended).
//
// iter_next never changes its argument: it returns a new iterator for the rest, so an iterator
// can be reused. Adapters (map, filter, take) compute nothing until asked. Values a native
// holds only in C++ locals across a call back into the script are rooted with Handles (a
// collection may run inside that call).
#include <cmath>

#include "runtime/builtins.hpp"

namespace glimmer::runtime {

void raise_range_cannot_count(double pos) {
    raise(ErrorKind::CustomError,
          "range cannot count on from " + display(Value::number(pos)) +
              ": past 2^53 (9007199254740992) adding 1 no longer changes a Number");
}

namespace {

// Like the reference, a function argument that cannot be called is refused at once, as a
// wrong argument type (LANGUAGE.md §13), before any item is asked for.
void require_function(const char* fn_name, Value fn) {
    bool callable = is_kind(fn, ObjectKind::Closure) || is_kind(fn, ObjectKind::Native) ||
                    (is_kind(fn, ObjectKind::StructDef) && fn.as_object()->subkind == kDataVariant);
    if (!callable) {
        raise(ErrorKind::TypeError,
              std::string(fn_name) + " expects a function, got " + std::string(type_name(fn)));
    }
}

Iterator* as_iterator(const char* fn, Value v) {
    if (!is_kind(v, ObjectKind::Iterator)) {
        raise(ErrorKind::TypeError,
              std::string(fn) + " expects an iterator, got " + std::string(type_name(v)));
    }
    return static_cast<Iterator*>(v.as_object());
}

// One step: false when exhausted; else `rest` and `item` are set.
bool step(Runtime& rt, Value it_value, Value& rest, Value& item, int depth = 0) {
    if (depth > 2000) raise(ErrorKind::StackOverflow, "iterator adapters nested too deeply");
    Handle it_root(rt, it_value);
    auto* it = static_cast<Iterator*>(it_value.as_object());
    switch (it->iter_kind()) {
        case IterKind::List: {
            auto* l = static_cast<List*>(it->source.as_object());
            if (it->pos >= l->length) return false;
            item = l->items[static_cast<std::uint32_t>(it->pos)];
            rest = Value::object(
                rt.new_iterator(IterKind::List, it->source, Value::nothing(), it->pos + 1));
            return true;
        }
        case IterKind::Range: {
            auto* r = static_cast<Range*>(it->source.as_object());
            if (it->pos >= std::trunc(r->end)) return false;
            if (it->pos + 1 == it->pos) raise_range_cannot_count(it->pos);
            item = Value::number(it->pos);
            rest = Value::object(
                rt.new_iterator(IterKind::Range, it->source, Value::nothing(), it->pos + 1));
            return true;
        }
        case IterKind::Map: {
            Value inner_rest, inner_item;
            if (!step(rt, it->source, inner_rest, inner_item, depth + 1)) return false;
            Handle keep(rt, inner_rest);
            Value fn = it->fn;
            item = rt.call(fn, &inner_item, 1);
            Handle keep_item(rt, item);
            rest = Value::object(rt.new_iterator(IterKind::Map, keep.get(), fn, 0));
            return true;
        }
        case IterKind::Filter: {
            Handle cursor(rt, it->source);
            Value fn = it->fn;
            for (;;) {
                Value inner_rest, inner_item;
                if (!step(rt, cursor.get(), inner_rest, inner_item, depth + 1)) return false;
                cursor.set(inner_rest);
                Handle keep_item(rt, inner_item);
                if (truthy(rt.call(fn, &inner_item, 1))) {
                    item = inner_item;
                    rest = Value::object(rt.new_iterator(IterKind::Filter, cursor.get(), fn, 0));
                    return true;
                }
            }
        }
        case IterKind::Take: {
            if (it->pos <= 0) return false;
            Value inner_rest, inner_item;
            if (!step(rt, it->source, inner_rest, inner_item, depth + 1)) return false;
            Handle keep(rt, inner_rest);
            Handle keep_item(rt, inner_item);
            item = inner_item;
            rest = Value::object(
                rt.new_iterator(IterKind::Take, keep.get(), Value::nothing(), it->pos - 1));
            return true;
        }
    }
    return false;
}

// iter_fold and iter_collect use up the whole iterator and hand out only its items, so they
// run on a private copy of its chain of adapters, advanced in place, rather than making a new
// iterator per adapter per item as iter_next must. The copy: one new iterator per level, the
// List or Range at the bottom shared.
Iterator* copy_chain(Runtime& rt, Value it_value, int depth = 0) {
    if (depth > 2000) raise(ErrorKind::StackOverflow, "iterator adapters nested too deeply");
    auto* it = static_cast<Iterator*>(it_value.as_object());
    Value source = it->source;
    if (it->iter_kind() != IterKind::List && it->iter_kind() != IterKind::Range)
        source = Value::object(copy_chain(rt, source, depth + 1));
    Handle keep(rt, source);
    return rt.new_iterator(it->iter_kind(), source, it->fn, it->pos);
}

// One step of a private copy (copy_chain), in place: false when exhausted, else `item` is set.
// Allocates nothing itself, so `item` needs no root until the caller's next call.
bool advance(Runtime& rt, Iterator* it, Value& item) {
    switch (it->iter_kind()) {
        case IterKind::List: {
            auto* l = static_cast<List*>(it->source.as_object());
            if (it->pos >= l->length) return false;
            item = l->items[static_cast<std::uint32_t>(it->pos)];
            it->pos += 1;
            return true;
        }
        case IterKind::Range: {
            auto* r = static_cast<Range*>(it->source.as_object());
            if (it->pos >= std::trunc(r->end)) return false;
            if (it->pos + 1 == it->pos) raise_range_cannot_count(it->pos);
            item = Value::number(it->pos);
            it->pos += 1;
            return true;
        }
        case IterKind::Map: {
            Value inner;
            if (!advance(rt, static_cast<Iterator*>(it->source.as_object()), inner)) return false;
            item = rt.call(it->fn, &inner, 1);
            return true;
        }
        case IterKind::Filter:
            for (;;) {
                Value inner;
                if (!advance(rt, static_cast<Iterator*>(it->source.as_object()), inner))
                    return false;
                if (truthy(rt.call(it->fn, &inner, 1))) {
                    item = inner;
                    return true;
                }
            }
        case IterKind::Take:
            if (it->pos <= 0) return false;
            if (!advance(rt, static_cast<Iterator*>(it->source.as_object()), item)) return false;
            it->pos -= 1;
            return true;
    }
    return false;
}

Value b_iter(Runtime& rt, Value* a, std::uint32_t, void*) {
    if (is_kind(a[0], ObjectKind::List)) {
        return Value::object(rt.new_iterator(IterKind::List, a[0], Value::nothing(), 0));
    }
    if (is_kind(a[0], ObjectKind::Range)) {
        double start = static_cast<Range*>(a[0].as_object())->first();
        return Value::object(rt.new_iterator(IterKind::Range, a[0], Value::nothing(), start));
    }
    if (is_kind(a[0], ObjectKind::Iterator)) return a[0];
    raise(ErrorKind::TypeError,
          "iter expects a List or a Range, got " + std::string(type_name(a[0])));
}

Value b_iter_next(Runtime& rt, Value* a, std::uint32_t, void*) {
    Value it = Value::object(as_iterator("iter_next", a[0]));
    Value rest, item;
    Handle keep_it(rt, it);
    bool more = step(rt, it, rest, item);
    Handle keep_rest(rt, rest), keep_item(rt, item);
    List* pair = rt.new_list(2);
    pair->items[0] = more ? rest : it;
    pair->items[1] = more ? Value::object(rt.new_wrapped(Wrap::Present, item)) : Value::absent();
    pair->length = 2;
    return Value::object(pair);
}

Value adapter(Runtime& rt, Value* a, const char* fn_name, IterKind kind) {
    Value source = Value::object(as_iterator(fn_name, a[0]));
    if (kind == IterKind::Take) {
        if (!a[1].is_number()) {
            raise(ErrorKind::TypeError,
                  "iter_take expects a Number, got " + std::string(type_name(a[1])));
        }
        // The reference converts the count with `as usize`: NaN and negatives take nothing.
        double count = std::trunc(a[1].as_number());
        if (!(count > 0)) count = 0;
        return Value::object(rt.new_iterator(kind, source, Value::nothing(), count));
    }
    Value fn = a[1];
    require_function(fn_name, fn);
    return Value::object(rt.new_iterator(kind, source, fn, 0));
}
Value b_iter_map(Runtime& rt, Value* a, std::uint32_t, void*) {
    return adapter(rt, a, "iter_map", IterKind::Map);
}
Value b_iter_filter(Runtime& rt, Value* a, std::uint32_t, void*) {
    return adapter(rt, a, "iter_filter", IterKind::Filter);
}
Value b_iter_take(Runtime& rt, Value* a, std::uint32_t, void*) {
    return adapter(rt, a, "iter_take", IterKind::Take);
}

Value b_iter_fold(Runtime& rt, Value* a, std::uint32_t, void*) {
    Handle acc(rt, a[1]);
    Value fn = a[2];
    Iterator* source = as_iterator("iter_fold", a[0]);
    require_function("iter_fold", fn);
    Handle keep_fn(rt, fn);
    Handle cursor(rt, Value::object(copy_chain(rt, Value::object(source))));
    auto* it = static_cast<Iterator*>(cursor.get().as_object());
    for (Value item; advance(rt, it, item);) {
        Value args[2] = {acc.get(), item};
        acc.set(rt.call(fn, args, 2));
    }
    return acc.get();
}

Value b_iter_collect(Runtime& rt, Value* a, std::uint32_t, void*) {
    Handle cursor(rt,
                  Value::object(copy_chain(rt, Value::object(as_iterator("iter_collect", a[0])))));
    auto* it = static_cast<Iterator*>(cursor.get().as_object());
    Handle out(rt, Value::object(rt.new_list()));
    std::uint64_t uncharged = 0;  // items since the last charge (Runtime::charge_steps)
    for (Value item; advance(rt, it, item);) {
        if (++uncharged == Runtime::kFreeItems) {
            rt.charge_steps(uncharged);
            uncharged = 0;
        }
        if (item.is_object()) item.as_object()->flags |= kFlagShared;
        rt.list_append(static_cast<List*>(out.get().as_object()), item);
    }
    return out.get();
}

}  // namespace

void register_iterator_builtins(Runtime& rt) {
    rt.define_native("iter", b_iter, 1);
    rt.define_native("iter_next", b_iter_next, 1);
    rt.define_native("iter_map", b_iter_map, 2);
    rt.define_native("iter_filter", b_iter_filter, 2);
    rt.define_native("iter_take", b_iter_take, 2);
    rt.define_native("iter_fold", b_iter_fold, 3);
    rt.define_native("iter_collect", b_iter_collect, 1);
}

}  // namespace glimmer::runtime
