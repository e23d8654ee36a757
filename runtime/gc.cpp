// gc.cpp — precise mark-sweep collector.
//
// Roots: RootProviders (the VM: stack, frames, open upvalues, handler stack), Handles, the
// globals. Marking uses an explicit gray stack (no native recursion on deep structures).
// Sweep walks the all-objects list, frees every unmarked object through the funnel and clears
// the marks; the interner is weak (unmarked texts drop out of it first).
// Pacing: the next cycle is due once the bytes allocated since this one exceed
// max(gc_floor, live bytes after this cycle) — the heap grows to about twice the live data.
#include <algorithm>
#include <unordered_set>

#include "runtime/runtime.hpp"

namespace glimmer::runtime {

void Runtime::add_root_provider(RootProvider* p) {
    root_providers_.push_back(p);
}

void Runtime::remove_root_provider(RootProvider* p) {
    auto it = std::find(root_providers_.begin(), root_providers_.end(), p);
    if (it != root_providers_.end()) root_providers_.erase(it);
}

void Runtime::mark_object(Object* o) {
    if (o->marked) return;
    o->marked = 1;
    if (o->kind == ObjectKind::String || o->kind == ObjectKind::Range) return;
    // The gray stack may not grow when the heap is full; then the object stays marked but
    // untraced and collect() rescans (marking must never fail).
    if (gray_.size() == gray_.capacity()) {
        try {
            gray_.reserve(gray_.capacity() ? gray_.capacity() * 2 : 256);
        } catch (...) {
            gray_overflow_ = true;
            return;
        }
    }
    gray_.push_back(o);
}

void Runtime::trace_object(Object* o) {
    switch (o->kind) {
        case ObjectKind::List: {
            auto* l = static_cast<List*>(o);
            for (std::uint32_t i = 0; i < l->length; ++i)
                mark_value(l->items[i]);
            break;
        }
        case ObjectKind::Map: {
            auto* m = static_cast<Map*>(o);
            for (std::uint32_t i = 0; i < m->capacity; ++i) {
                if (m->entries[i].key) {
                    mark_object(m->entries[i].key);
                    mark_value(m->entries[i].value);
                }
            }
            break;
        }
        case ObjectKind::StructDef: {
            auto* d = static_cast<StructDef*>(o);
            mark_object(d->name);
            for (std::uint32_t i = 0; i < d->field_count; ++i) {
                if (d->field_names[i]) mark_object(d->field_names[i]);
            }
            for (std::uint32_t i = 0; i < d->declared_count; ++i) {
                if (d->field_types[i]) mark_object(d->field_types[i]);
            }
            mark_object(d->base);
            if (d->family) mark_object(d->family);
            break;
        }
        case ObjectKind::Struct: {
            auto* s = static_cast<Struct*>(o);
            mark_object(s->def);
            for (std::uint32_t i = 0; i < s->def->field_count; ++i)
                mark_value(s->fields()[i]);
            break;
        }
        case ObjectKind::Wrapped:
            mark_value(static_cast<Wrapped*>(o)->inner);
            break;
        case ObjectKind::Closure: {
            auto* c = static_cast<Closure*>(o);
            mark_object(c->proto);
            for (std::uint32_t i = 0; i < c->upvalue_count; ++i) {
                if (c->upvalues()[i]) mark_object(c->upvalues()[i]);
            }
            break;
        }
        case ObjectKind::Upvalue:
            mark_value(*static_cast<Upvalue*>(o)->location);
            break;
        case ObjectKind::Prototype: {
            auto* p = static_cast<Prototype*>(o);
            for (Value v : p->constants)
                mark_value(v);
            if (p->name) mark_object(p->name);
            if (p->source_name) mark_object(p->source_name);
            break;
        }
        case ObjectKind::Native:
            mark_object(static_cast<Native*>(o)->name);
            break;
        case ObjectKind::Module:
            mark_object(static_cast<Module*>(o)->name);
            mark_object(static_cast<Module*>(o)->exports);
            break;
        case ObjectKind::Iterator:
            mark_value(static_cast<Iterator*>(o)->source);
            mark_value(static_cast<Iterator*>(o)->fn);
            break;
        default:
            break;
    }
}

void Runtime::free_object(Object* o) {
    --object_count_;
    stats_.objects_freed++;
    switch (o->kind) {
        case ObjectKind::String:
            if (char_cursor_.text == o) char_cursor_ = CharCursor{};
            release(o, sizeof(String) + static_cast<String*>(o)->length + 1);
            return;
        case ObjectKind::List: {
            auto* l = static_cast<List*>(o);
            release(l->items, l->capacity * sizeof(Value));
            release(l, sizeof(List));
            return;
        }
        case ObjectKind::Map: {
            auto* m = static_cast<Map*>(o);
            release(m->entries, m->capacity * sizeof(MapEntry));
            release(m, sizeof(Map));
            return;
        }
        case ObjectKind::StructDef: {
            auto* d = static_cast<StructDef*>(o);
            release(d->field_names, d->field_count * sizeof(String*));
            release(d->field_types, d->declared_count * sizeof(String*));
            release(d, sizeof(StructDef));
            return;
        }
        case ObjectKind::Struct:
            release(o, sizeof(Struct) + static_cast<Struct*>(o)->def->field_count * sizeof(Value));
            return;
        case ObjectKind::Wrapped:
            release(o, sizeof(Wrapped));
            return;
        case ObjectKind::Range:
            release(o, sizeof(Range));
            return;
        case ObjectKind::Closure:
            release(o,
                    sizeof(Closure) + static_cast<Closure*>(o)->upvalue_count * sizeof(Upvalue*));
            return;
        case ObjectKind::Upvalue:
            release(o, sizeof(Upvalue));
            return;
        case ObjectKind::Prototype: {
            auto* p = static_cast<Prototype*>(o);
            p->~Prototype();
            release(p, sizeof(Prototype));
            return;
        }
        case ObjectKind::Native:
            release(o, sizeof(Native));
            return;
        case ObjectKind::Iterator:
            release(o, sizeof(Iterator));
            return;
        case ObjectKind::Module:
            release(o, sizeof(Module));
            return;
        default:
            return;
    }
}

void Runtime::collect() {
    if (collecting_) return;
    collecting_ = true;
    stats_.collections++;
    for (RootProvider* p : root_providers_)
        p->mark_roots(*this);
    for (Handle* h = handles_; h; h = h->next_)
        mark_value(h->value_);
    for (std::size_t i = 0; i < globals_.size(); ++i) {
        mark_value(globals_[i]);
        mark_object(global_names_[i]);
    }
    auto drain = [this] {
        while (!gray_.empty()) {
            Object* o = gray_.back();
            gray_.pop_back();
            trace_object(o);
        }
    };
    drain();
    while (gray_overflow_) {
        gray_overflow_ = false;
        for (Object* o = objects_; o; o = o->next) {
            if (o->marked) {
                trace_object(o);
                drain();
            }
        }
    }
    // A StructDef's field Strings must survive while a Struct points to a def, which the
    // trace above ensures; now drop dead interned texts, then everything unmarked.
    sweep_interner();
    sweep();
    allocated_since_gc_ = 0;
    next_gc_ = std::max(config_.gc_floor, stats_.bytes_live);
    if (config_.memory_limit && next_gc_ > config_.memory_limit / 4) {
        next_gc_ = std::max<std::size_t>(config_.memory_limit / 4, 64 * 1024);
    }
    gc_due_ = false;
    collecting_ = false;
}

void Runtime::sweep() {
    Object** link = &objects_;
    while (Object* o = *link) {
        if (o->marked) {
            o->marked = 0;
            link = &o->next;
        } else {
            *link = o->next;
            free_object(o);
        }
    }
}

std::string Runtime::verify() {
    // Every pointer found in a live object must be an object of this runtime.
    std::unordered_set<const Object*> all;
    std::size_t n = 0;
    for (Object* o = objects_; o; o = o->next) {
        if (o->marked) return "object left marked outside a collection";
        all.insert(o);
        ++n;
    }
    if (n != object_count_) return "object count does not match the all-objects list";
    std::string problem;
    auto check = [&](Value v, const char* where) {
        if (v.is_object() && !all.count(v.as_object()) && problem.empty()) {
            problem = std::string("dangling object pointer in ") + where;
        }
    };
    for (Object* o = objects_; o; o = o->next) {
        switch (o->kind) {
            case ObjectKind::List: {
                auto* l = static_cast<List*>(o);
                if (l->length > l->capacity) return "list length exceeds capacity";
                for (std::uint32_t i = 0; i < l->length; ++i)
                    check(l->items[i], "a list");
                break;
            }
            case ObjectKind::Map: {
                auto* m = static_cast<Map*>(o);
                std::uint32_t count = 0;
                for (std::uint32_t i = 0; i < m->capacity; ++i) {
                    if (m->entries[i].key) {
                        ++count;
                        check(Value::object(m->entries[i].key), "a map key");
                        check(m->entries[i].value, "a map");
                    }
                }
                if (count != m->count) return "map count does not match its slots";
                break;
            }
            case ObjectKind::Struct: {
                auto* s = static_cast<Struct*>(o);
                check(Value::object(s->def), "a struct");
                for (std::uint32_t i = 0; i < s->def->field_count; ++i)
                    check(s->fields()[i], "a struct");
                break;
            }
            case ObjectKind::Wrapped:
                check(static_cast<Wrapped*>(o)->inner, "a wrapper");
                break;
            case ObjectKind::Closure:
                check(Value::object(static_cast<Closure*>(o)->proto), "a closure");
                break;
            case ObjectKind::Prototype:
                for (Value v : static_cast<Prototype*>(o)->constants)
                    check(v, "constants");
                break;
            default:
                break;
        }
        if (!problem.empty()) return problem;
    }
    for (std::size_t i = 0; i < globals_.size(); ++i)
        check(globals_[i], "a global");
    return problem;
}

}  // namespace glimmer::runtime
