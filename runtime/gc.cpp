// gc.cpp — precise, generational mark-sweep collector (non-moving).
//
// Roots: RootProviders (the VM: stack, frames, open upvalues, handler stack), Handles, the
// globals. Marking uses an explicit gray stack (no native recursion on deep structures).
// Two generations, each a list through Object::next: young_ (made since the last collection)
// and objects_ (old: survived one). Object::marked == mark_epoch_ means marked; old objects
// keep that mark between collections.
//   * A young collection (collect_due) marks from the roots, stops at old objects, and traces
//     the remembered ones: write_barrier flags an old object when a value is stored into it in
//     place, the one way an old object comes to refer to a young one. It frees the unmarked
//     young objects and makes the marked ones old.
//   * A full collection (collect, or collect_due once the old bytes have grown past the last
//     full collection's by as much again) flips the epoch, so every object reads unmarked, and
//     marks and sweeps both lists.
// The interner is weak: a full collection sweeps the table; a young one takes each young
// interned text it frees out of it.
// Pacing: the next collection is due once the bytes allocated since this one exceed
// max(gc_floor, a quarter of the live bytes) after a young collection, max(gc_floor, the live
// bytes) after a full one.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
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
    if (o->marked == mark_epoch_) return;
    o->marked = mark_epoch_;
    stats_.objects_marked++;
    if (o->kind == ObjectKind::String || o->kind == ObjectKind::Range) return;
    // The gray stack may not grow when the heap is full; then the object stays marked but
    // untraced and collect() rescans (marking must never fail). Once it could not grow, it is
    // not tried again until the rescan: a failing allocation is a system call and a throw, and
    // a heap at its limit would make one for every object marked.
    if (gray_.size() == gray_.capacity()) {
        if (gray_overflow_) return;
        try {
            gray_.reserve(gray_.capacity() ? gray_.capacity() * 2 : 256);
        } catch (...) {
            gray_overflow_ = true;
            return;
        }
    }
    gray_.push_back(o);
}

// The remembered set may not grow when the heap is full: then the object is not flagged (the
// next barrier on it tries again) and the next collection is a full one, which needs no
// remembered set.
void Runtime::remember(Object* o) {
    if (remembered_.size() == remembered_.capacity()) {
        try {
            remembered_.reserve(remembered_.capacity() ? remembered_.capacity() * 2 : 256);
        } catch (...) {
            full_due_ = true;
            gc_due_ = true;
            return;
        }
    }
    o->flags |= kFlagRemembered;
    remembered_.push_back(o);
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
            release(o, string_block_bytes(static_cast<String*>(o)));
            return;
        case ObjectKind::List: {
            auto* l = static_cast<List*>(o);
            release(l->items, l->capacity * sizeof(Value));
            release(l, sizeof(List));
            return;
        }
        case ObjectKind::Map: {
            auto* m = static_cast<Map*>(o);
            if (m->aux != 0) forget_key_order(m);
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

// Marks everything reachable from the roots. A young collection stops at old objects (they
// are marked already) and traces the remembered ones instead: every reference from an old
// object to a young one was stored after the last collection, through write_barrier.
void Runtime::mark_roots_and_drain(bool young_only) {
    for (RootProvider* p : root_providers_)
        p->mark_roots(*this);
    for (Handle* h = handles_; h; h = h->next_)
        mark_value(h->value_);
    for (std::size_t i = 0; i < globals_.size(); ++i) {
        mark_value(globals_[i]);
        mark_object(global_names_[i]);
    }
    for (Object* o : remembered_) {
        o->flags &= static_cast<std::uint8_t>(~kFlagRemembered);
        if (young_only) trace_object(o);
    }
    remembered_.clear();
    auto drain = [this] {
        while (!gray_.empty()) {
            Object* o = gray_.back();
            gray_.pop_back();
            trace_object(o);
        }
    };
    drain();
    while (gray_overflow_) {
        // Some marked objects went untraced: trace every marked one (old ones too, in a young
        // collection: more than needed, never less).
        gray_overflow_ = false;
        for (Object* list : {objects_, young_}) {
            for (Object* o = list; o; o = o->next) {
                if (o->marked == mark_epoch_) {
                    trace_object(o);
                    drain();
                }
            }
        }
    }
}

void Runtime::collect() {
    if (collecting_) return;
    collecting_ = true;
    stats_.collections++;
    stats_.full_collections++;
    // Flip the epoch: every old object reads as unmarked now. Young objects were made
    // unmarked under the old epoch, which the new one reads as marked: unmark them.
    mark_epoch_ ^= 1;
    for (Object* o = young_; o; o = o->next)
        o->marked = mark_epoch_ ^ 1;
    mark_roots_and_drain(false);
    // A StructDef's field Strings must survive while a Struct points to a def, which the
    // trace above ensures; now drop dead interned texts, then everything unmarked.
    sweep_interner();
    sweep_old();
    sweep_young();
    full_base_ = stats_.bytes_live;
    full_due_ = false;
    finish_collection(true);
}

// Young collections: only the objects made since the last collection are marked and swept,
// and those that survive become old. Old garbage waits for a full collection, which comes once
// the bytes live have doubled since the last full one (as Lua 5.4's generational mode, which
// its standalone interpreter runs: a program with a large live heap that makes many
// short-lived values, a report built then a text appended to in a loop, paid for marking the
// report at every collection).
void Runtime::collect_due() {
    if (collecting_) return;
    // The old objects are what the last collection left (bytes_live now counts the young ones
    // too, most of them garbage). Under a memory limit old garbage grows by limit / 8 at most
    // (finish_collection): with gc_floor's 1 MiB, a 1 MiB limit filled with old garbage and a
    // script that used to run ran out of memory.
    std::size_t old_growth = std::max(full_base_, config_.gc_floor);
    if (config_.memory_limit) {
        old_growth =
            std::min(old_growth, std::max<std::size_t>(config_.memory_limit / 8, 64 * 1024));
    }
    if (full_due_ || live_after_gc_ > full_base_ + old_growth ||
        (config_.gc_stress && stats_.collections % 4 == 3)) {
        collect();
        return;
    }
    collecting_ = true;
    stats_.collections++;
    if (config_.gc_stress) {
        if (std::string fault = barrier_fault(); !fault.empty()) {
            std::fprintf(stderr, "glimmer: internal error before a young collection: %s\n",
                         fault.c_str());
            std::abort();
        }
    }
    mark_roots_and_drain(true);
    sweep_young();
    finish_collection(false);
}

void Runtime::finish_collection(bool full) {
    restore_emergency_reserve();  // given back by an allocation that failed
    allocated_since_gc_ = 0;
    live_after_gc_ = stats_.bytes_live;
    // The next collection is due once as many bytes were made as a quarter of those live (a
    // full collection: as many as are live, the heap grows to about twice its live data).
    next_gc_ = std::max(config_.gc_floor, full ? stats_.bytes_live : stats_.bytes_live / 4);
    // Under a memory limit, garbage stays within a quarter of it, as before young collections:
    // after a full collection the next comes within limit / 4 bytes; after a young one within
    // limit / 8, and old garbage grows by limit / 8 at most (collect_due).
    if (config_.memory_limit) {
        const std::size_t cap =
            std::max<std::size_t>(config_.memory_limit / (full ? 4 : 8), 64 * 1024);
        next_gc_ = std::min(next_gc_, cap);
    }
    if (config_.memory_limit && stats_.bytes_live > config_.memory_limit / 2) full_due_ = true;
    gc_due_ = false;
    collecting_ = false;
}

// Old objects: the unmarked ones are garbage; the marked ones keep their mark (they are old).
void Runtime::sweep_old() {
    Object** link = &objects_;
    while (Object* o = *link) {
        if (o->marked == mark_epoch_) {
            link = &o->next;
        } else {
            *link = o->next;
            free_object(o);
        }
    }
}

// Young objects: the marked ones join the old list, the others are freed (an interned text
// leaves the interner first: a young collection does not sweep the whole table).
void Runtime::sweep_young() {
    Object* o = young_;
    young_ = nullptr;
    while (o) {
        Object* next = o->next;
        if (o->marked == mark_epoch_) {
            o->next = objects_;
            objects_ = o;
        } else {
            if (o->flags & kFlagInterned) intern_remove(static_cast<String*>(o));
            free_object(o);
        }
        o = next;
    }
}

// The invariant young collections rest on: an old object that refers to a young one is
// remembered. "" when it holds (checked before each young collection under --gc-stress, and
// by verify()).
std::string Runtime::barrier_fault() {
    std::unordered_set<const Object*> young;
    for (Object* o = young_; o; o = o->next)
        young.insert(o);
    std::string fault;
    auto check = [&](const Object* holder, Value v) {
        if (fault.empty() && v.is_object() && young.count(v.as_object())) {
            fault = std::string("an old ") + std::string(kind_name(holder->kind)) +
                    " refers to a young " + std::string(kind_name(v.as_object()->kind)) +
                    " but is not remembered (a store without write_barrier)";
        }
    };
    for (Object* o = objects_; o && fault.empty(); o = o->next) {
        if (o->flags & kFlagRemembered) continue;
        switch (o->kind) {
            case ObjectKind::List: {
                auto* l = static_cast<List*>(o);
                for (std::uint32_t i = 0; i < l->length; ++i)
                    check(o, l->items[i]);
                break;
            }
            case ObjectKind::Map: {
                auto* m = static_cast<Map*>(o);
                for (std::uint32_t i = 0; i < m->capacity; ++i) {
                    if (m->entries[i].key) {
                        check(o, Value::object(m->entries[i].key));
                        check(o, m->entries[i].value);
                    }
                }
                break;
            }
            case ObjectKind::Struct: {
                auto* s = static_cast<Struct*>(o);
                check(o, Value::object(s->def));
                for (std::uint32_t i = 0; i < s->def->field_count; ++i)
                    check(o, s->fields()[i]);
                break;
            }
            case ObjectKind::Wrapped:
                check(o, static_cast<Wrapped*>(o)->inner);
                break;
            case ObjectKind::Closure: {
                auto* c = static_cast<Closure*>(o);
                check(o, Value::object(c->proto));
                for (std::uint32_t i = 0; i < c->upvalue_count; ++i) {
                    if (c->upvalues()[i]) check(o, Value::object(c->upvalues()[i]));
                }
                break;
            }
            case ObjectKind::Upvalue: {
                auto* u = static_cast<Upvalue*>(o);
                if (u->location == &u->closed) check(o, u->closed);
                break;
            }
            case ObjectKind::Prototype:
                for (Value v : static_cast<Prototype*>(o)->constants)
                    check(o, v);
                break;
            case ObjectKind::Module:
                check(o, Value::object(static_cast<Module*>(o)->exports));
                break;
            case ObjectKind::Iterator:
                check(o, static_cast<Iterator*>(o)->source);
                check(o, static_cast<Iterator*>(o)->fn);
                break;
            default:
                break;
        }
    }
    return fault;
}

std::string Runtime::verify() {
    // Every pointer found in a live object must be an object of this runtime.
    std::unordered_set<const Object*> all;
    std::size_t n = 0;
    for (Object* o = objects_; o; o = o->next) {
        if (o->marked != mark_epoch_) return "an old object is not marked";
        all.insert(o);
        ++n;
    }
    for (Object* o = young_; o; o = o->next) {
        if (o->marked == mark_epoch_) return "a young object is marked";
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
    if (std::string fault = barrier_fault(); !fault.empty()) return fault;
    for (Object* list : {objects_, young_}) {
        for (Object* o = list; o; o = o->next) {
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
    }
    for (std::size_t i = 0; i < globals_.size(); ++i)
        check(globals_[i], "a global");
    return problem;
}

}  // namespace glimmer::runtime
