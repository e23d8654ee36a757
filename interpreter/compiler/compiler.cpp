// compiler.cpp — AST -> bytecode. See compiler.hpp for the contract.
//
// Layout of a frame: slots [0, arity) are the parameters (the variadic rest list last), then
// every other local, hidden loop state and match subjects; the operand stack starts at
// slot_count and is empty at each statement boundary, so `break`, `continue` and error
// handlers never have temporaries to drop.
//
// Statement values (LANGUAGE.md §3) are produced only where they can become a chant's implicit
// result: the last statement of a body, recursively through should/match/attempt branches and
// loop bodies.
//
// A loop's value is the last body statement's value of the last completed iteration. It lives in
// a hidden result slot R, stored by KeepResult at the end of each iteration WITHOUT marking it
// shared: with `set xs to list_push(xs, i)` last, R and xs hold the same list, and the next push
// must stay in place (a shared mark would copy the list at every push). That is safe because a
// completed iteration overwrites R, so only code that can end the loop without completing an
// iteration may change R's value behind its back: a `break`/`continue` after an in-place update,
// or a whilst condition that calls (a closure may update a captured list). Across exactly that
// code the loop pins R's value (PinResult: in-place updates copy, as if shared) and unpins it
// after (UnpinResult); R+1 remembers the value this loop pinned, so nested loops sharing one
// value never unpin each other's pin. An error or `?` that leaves a loop while it pins leaves the
// pin behind: harmless, the value is merely copied once at its next in-place update.
//
// Operands are values (§4) evaluated left to right (§5): in `[xs, f()]` the list holds xs as it
// was before f ran, even when f's body runs `set xs[0] to 9` on a captured or top-level xs. A
// variable read leaves its container on the operand stack unmarked, so such an operand is
// marked shared (Op::Share) when a later operand may call and a chant may `set` that variable:
// for a chant's own local, a chant nested in it (FunctionState::set_in_nested); for any other,
// any chant of the unit (set_in_chants_, both found by a pre-pass) or of an earlier compilation
// in the runtime (kGlobalSetInChant: REPL inputs, host evals). A call's result may be such a
// variable's container too, so it is marked likewise. Names no chant sets stay unmarked, and so
// does a sole program's top-level variable that no chant names from outside itself
// (drop_needless_shares).
// The list an in-place `set xs to list_push(xs, f())` reads first is pinned while f runs
// instead (PinTop ... UnpinResult): marking it shared would copy the list at every push.
#include "interpreter/compiler/compiler.hpp"

#include <cstring>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "interpreter/bytecode/opcodes.hpp"
#include "interpreter/compiler/alias_moves.hpp"
#include "interpreter/compiler/assigned_names.hpp"
#include "interpreter/compiler/borrowed_params.hpp"
#include "interpreter/compiler/copy_reads.hpp"
#include "interpreter/compiler/expr_walk.hpp"
#include "interpreter/compiler/literal_takes.hpp"
#include "runtime/builtins.hpp"
#include "runtime/stack_room.hpp"

namespace glimmer::interp::compiler {

using namespace glimmer::runtime;
using bytecode::encode;
using bytecode::Op;
using bytecode::VarKind;

namespace {

constexpr std::uint32_t kNoResult = UINT32_MAX;
constexpr std::uint32_t kNoVar = UINT32_MAX;  // LendIndex/LendField: no variable to check

struct Local {
    std::string_view name;
    std::uint32_t slot;
    std::uint32_t depth;
    bool is_mutable;
    bool captured;
    // Declared early for a nested chant that names it before its `bind` runs (§6: a chant sees
    // its defining scope by reference). Until that `bind` the function's own code does not see
    // it (a read there still finds the outer name); the chant's reads check it is bound.
    bool pending;
    bool is_parameter = false;  // a chant parameter or a `for each` variable: immutable
    // Bound only inside a should/otherwise/whilst/attempt body of its scope (§6: they open no
    // scope), so at run time it may not be bound yet: reads check, and fall back to the top
    // level's name while it is not (it starts unbound when its scope does).
    bool conditional = false;
    int prev_same = -1;  // the index of the local before it with its name (Locals), or -1
};

// A name a block binds later (`bind`/`weave`/`form` among its statements), at scope `depth`.
struct LaterName {
    std::string_view name;
    std::uint32_t depth;
    bool is_mutable;
};

struct UpvalueInfo {
    std::uint16_t index;
    bool from_local;
    bool is_mutable;
    bool maybe_unbound;  // a pending local (or an upvalue of one): reads check it is bound
    bool is_parameter = false;
};

// Every table below grows with the script, so it draws on the runtime's heap (the resource
// given to the Compiler), never on the system allocator.
template <class T>
using Vec = std::pmr::vector<T>;
template <class K, class V>
using Table = std::pmr::unordered_map<K, V>;

// A chant's locals, innermost last, with each name's latest local indexed: declare_local and
// find_local looked through every local at each name, so a chant of n locals compiled in
// O(n^2) time (an outside host's 100,000 `weave`s in one chant took 21 s). Locals only come
// and go at the end, so each keeps the index of the one it hides (Local::prev_same).
class Locals {
  public:
    explicit Locals(std::pmr::memory_resource* memory) : items_(memory), latest_(memory) {}

    void push_back(Local l) {
        auto [at, fresh] = latest_.try_emplace(l.name, -1);
        (void)fresh;
        l.prev_same = at->second;
        at->second = static_cast<int>(items_.size());
        items_.push_back(l);
    }
    void pop_back() {
        const Local& l = items_.back();
        auto at = latest_.find(l.name);
        if (l.prev_same < 0) {
            latest_.erase(at);
        } else {
            at->second = l.prev_same;
        }
        items_.pop_back();
    }
    // The index of the innermost local named `name`, or -1; Local::prev_same leads outwards.
    int latest(std::string_view name) const {
        auto at = latest_.find(name);
        return at == latest_.end() ? -1 : at->second;
    }

    bool empty() const { return items_.empty(); }
    std::size_t size() const { return items_.size(); }
    Local& back() { return items_.back(); }
    Local& operator[](std::size_t i) { return items_[i]; }
    const Local& operator[](std::size_t i) const { return items_[i]; }
    auto begin() { return items_.begin(); }
    auto end() { return items_.end(); }
    auto begin() const { return items_.begin(); }
    auto end() const { return items_.end(); }

  private:
    std::pmr::vector<Local> items_;
    std::pmr::unordered_map<std::string_view, int> latest_;
};

struct LoopInfo {
    Vec<std::size_t> breaks;     // Jump words to patch to the exit
    Vec<std::size_t> continues;  // Jump words to patch to the continue label
    std::uint32_t try_depth;
    std::uint32_t scope_depth;         // locals deeper than this belong to the loop body
    std::uint32_t result = kNoResult;  // the result slot R when the loop's value is wanted
    bool pins = false;                 // the loop may pin R's value (`yield` must unpin it)
};

struct FunctionState {
    FunctionState* parent = nullptr;
    Prototype* proto = nullptr;
    explicit FunctionState(std::pmr::memory_resource* memory)
        : locals(memory),
          upvalues(memory),
          constant_index(memory),
          object_index(memory),
          loops(memory),
          later(memory),
          unbind(memory),
          bound_here(memory),
          set_in_nested(memory),
          named_in_nested(memory) {}

    Locals locals;
    Vec<UpvalueInfo> upvalues;
    Table<std::uint64_t, std::uint32_t> constant_index;  // numbers by bits
    Table<const Object*, std::uint32_t> object_index;
    std::uint32_t scope_depth = 0;
    std::uint32_t next_slot = 0;
    std::uint32_t max_slot = 0;
    int depth = 0;
    int max_depth = 0;
    Vec<LoopInfo> loops;
    Vec<LaterName> later;       // names the open blocks bind further on
    Vec<std::uint32_t> unbind;  // pending slots to mark unbound before the next Closure
    // Conditional locals (indexes into `locals`) a `bind` of the blocks being compiled has
    // reached: bound for the rest of that block, so read there without a check.
    Vec<std::size_t> bound_here;
    // Names a `set` in a chant nested in this function (any depth) updates: the only code that
    // can update one of this function's own locals while an operand waits on the stack.
    NameSet set_in_nested;
    std::uint32_t try_depth = 0;
    bool is_script = false;
    bool is_grove = false;  // a grove body: a module's top level, not a chant
    // A chant whose body makes no chant (nor brings names in): no closure captures its locals,
    // so only its own code reads them. The calls that move (see there) rely on it.
    bool makes_no_chants = false;
    // A chant of a sole program that makes chants: every name they name (any depth). A local
    // whose name is not here is captured by none of them (uncaptured_local).
    bool names_in_nested_known = false;
    NameSet named_in_nested;
};

enum class Resolved { Local, Upvalue, Global };

struct Resolution {
    Resolved kind;
    std::uint32_t index;
    bool is_mutable;             // known for locals and upvalues; globals are checked at run time
    bool maybe_unbound = false;  // an upvalue of a pending local
    std::string_view name = {};  // for the UndefinedVariable message when maybe_unbound
    bool is_parameter = false;
};

class Compiler {
  public:
    Compiler(Runtime& rt, const ast::Program& program, bool module_mode, bool sole_program)
        : rt_(rt),
          memory_(rt.resource()),
          program_(program),
          module_mode_(module_mode),
          unit_variants_(memory_),
          case_values_(memory_),
          lends_(memory_),
          lent_calls_(memory_),
          pack_moves_(memory_),
          pack_takes_(memory_),
          fresh_takes_(memory_),
          moved_back_calls_(memory_),
          moves_(memory_),
          param_moves_(memory_),
          bind_moves_(memory_),
          unread_binds_(memory_),
          source_dead_binds_(memory_),
          last_reads_(memory_),
          free_in_chants_(memory_),
          named_in_chants_(memory_),
          bound_names_(memory_),
          bound_twice_(memory_),
          top_level_chants_(memory_),
          reader_masks_(memory_),
          top_level_moves_(memory_),
          top_level_shares_(memory_),
          top_level_takes_(memory_),
          top_level_locals_(memory_),
          set_in_chants_(memory_) {
        NameSet top_level_bound_twice(memory_);
        bool summons = collect_names_set_in_chants(program.statements(), false, set_in_chants_);
        sole_program_ = sole_program && !module_mode && !summons;
        if (sole_program_) {
            collect_names_named_in_chants(program.statements(), named_in_chants_);
            collect_bound_names(program.statements(), bound_names_, &bound_twice_);
            collect_names_bound_twice_outside_chants(program.statements(), top_level_bound_twice);
            several_updates_unseen_ = !contains_attempt(program.statements());
            for (const ast::Stmt* st : program.statements()) {
                if (auto* c = st->get_if<ast::ChantStmt>())
                    top_level_chants_[c->function->name] = c->function;
                if (auto* b = st->get_if<ast::BindStmt>(); b && !named_in_chants_.count(b->name) &&
                                                           !top_level_bound_twice.count(b->name)) {
                    top_level_locals_.insert(b->name);
                }
            }
        }
    }

    Prototype* compile_script() {
        FunctionState fs(memory_);
        fs.is_script = true;
        fs.set_in_nested = set_in_chants_;
        fs.proto = rt_.new_prototype();
        fs.proto->in_module = module_mode_;
        fs.proto->name = rt_.intern("<script>");
        fs.proto->source_name = rt_.intern(program_.source_name());
        fn_ = &fs;
        for (const ast::Stmt* st : program_.statements()) {
            if (auto* c = st->get_if<ast::ChantStmt>()) note_redefinition(c->function->name);
            if (auto* b = st->get_if<ast::BindStmt>()) note_redefinition(b->name);
            if (auto* v = st->get_if<ast::VariantStmt>()) {
                for (const ast::VariantCase& c : v->cases)
                    variant_case(*v, c);
            }
        }
        if (sole_program_) note_top_level_element_updates(program_.statements());
        // The script's value is its last statement's value (§3): the REPL echoes it and the
        // embedding API returns it.
        block(program_.statements(), true);
        emit(Op::Return);
        undo_top_level_moves();
        drop_needless_shares();
        finish(fs);
        return fs.proto;
    }

  private:
    // ------------------------------------------------------------ emission

    void finish(FunctionState& fs) {
        thread_jumps(fs.proto->code);
        fs.proto->slot_count = fs.max_slot;
        fs.proto->max_stack = fs.max_slot + static_cast<std::uint32_t>(fs.max_depth) + 4;
        for (const UpvalueInfo& u : fs.upvalues) {
            fs.proto->upvalues.push_back(UpvalueDesc{u.index, u.from_local});
        }
    }

    // A Jump or JumpIfFalse whose target is a Jump (a `should` ending an enclosing branch, so
    // each end jumps to the next end) goes straight to the last one's target: the same path,
    // fewer dispatches. Jump only moves ip (a Loop also counts a step: never skipped).
    static void thread_jumps(std::pmr::vector<std::uint32_t>& code) {
        for (std::size_t i = 0; i < code.size();
             i += 1 + bytecode::kOpInfo[static_cast<int>(bytecode::op_of(code[i]))].extra) {
            const Op op = bytecode::op_of(code[i]);
            if (op != Op::Jump && op != Op::JumpIfFalse) continue;
            std::uint32_t target = bytecode::operand_of(code[i]);
            for (int hops = 0;
                 hops < 8 && target < code.size() && bytecode::op_of(code[target]) == Op::Jump;
                 ++hops)
                target = bytecode::operand_of(code[target]);
            code[i] = encode(op, target);
        }
    }

    std::size_t emit(Op op, std::uint32_t a = 0, int effect = bytecode::kVar) {
        if (a > bytecode::kMaxOperand) fail("program too large (operand out of range)");
        auto& code = fn_->proto->code;
        std::size_t at = code.size();
        code.push_back(encode(op, a));
        fn_->proto->positions.push_back(SourcePos{pos_.line, pos_.column});
        int e = bytecode::kOpInfo[static_cast<int>(op)].effect;
        if (e == bytecode::kVar) e = effect;
        fn_->depth += e;
        if (fn_->depth > fn_->max_depth) fn_->max_depth = fn_->depth;
        return at;
    }
    void extra(std::uint32_t word) {
        fn_->proto->code.push_back(word);
        fn_->proto->positions.push_back(SourcePos{pos_.line, pos_.column});
    }
    std::uint32_t here() const { return static_cast<std::uint32_t>(fn_->proto->code.size()); }
    void patch(std::size_t at, std::uint32_t target) {
        auto& w = fn_->proto->code[at];
        w = encode(bytecode::op_of(w), target);
    }
    void patch_extra(std::size_t at, std::uint32_t target) { fn_->proto->code[at] = target; }

    [[noreturn]] void fail(const std::string& message) { throw SyntaxError(pos_, message); }

    // The parser bounds the tree's depth by its thread's stack (parser.cpp, check_stack_room),
    // leaving the compiler a share; should a tree still reach the end of a host thread's small
    // stack here, this is a syntax error too rather than a crash.
    void check_stack_room() {
        constexpr std::size_t kStackReserve = 32 * 1024;
        std::optional<runtime::StackRoom> room = runtime::stack_room();
        if (room && room->left < kStackReserve) {
            fail("nesting too deep for this thread's stack (" + std::to_string(room->left / 1024) +
                 " KiB of stack left while compiling)");
        }
    }

    std::uint32_t constant(Value v) {
        auto& consts = fn_->proto->constants;
        if (v.is_object()) {
            auto it = fn_->object_index.find(v.as_object());
            if (it != fn_->object_index.end()) return it->second;
            auto index = static_cast<std::uint32_t>(consts.size());
            consts.push_back(v);
            fn_->object_index.emplace(v.as_object(), index);
            return index;
        }
        auto it = fn_->constant_index.find(v.bits());
        if (it != fn_->constant_index.end()) return it->second;
        auto index = static_cast<std::uint32_t>(consts.size());
        consts.push_back(v);
        fn_->constant_index.emplace(v.bits(), index);
        return index;
    }
    // A non-empty list literal whose elements are all literals (numbers, negated numbers,
    // texts, truths, nothing, such lists nested), as `for each d in [[1, 0], [-1, 0]] then`,
    // is made once here rather than built anew at every evaluation: lists are values, and this
    // one (with every list inside it) is marked shared, so every update in place copies it
    // first, as it would copy a list a second variable held. Empty literals are still made
    // each time: the first push would copy the shared one anyway. nullopt: not such a literal.
    std::optional<Value> constant_list(const ast::Expr& e) {
        if (!is_literal(e)) return std::nullopt;
        return constant_element(e);
    }
    static constexpr std::size_t kMaxConstantList = 4096;
    static bool is_literal(const ast::Expr& e) {
        switch (e.kind) {
            case ast::ExprKind::Number:
            case ast::ExprKind::Text:
            case ast::ExprKind::Truth:
            case ast::ExprKind::Nothing:
                return true;
            case ast::ExprKind::Unary: {
                const auto& u = e.as<ast::UnaryExpr>();
                return u.op == ast::UnaryOp::Negate && u.operand->kind == ast::ExprKind::Number;
            }
            case ast::ExprKind::List: {
                const auto& l = e.as<ast::ListExpr>();
                if (l.elements.empty() || l.elements.size() > kMaxConstantList) return false;
                for (const ast::Expr* x : l.elements) {
                    if (!is_literal(*x)) return false;
                }
                return true;
            }
            default:
                return false;
        }
    }
    // The value of a literal is_literal accepts; lists, nested ones too, are marked shared.
    Value constant_element(const ast::Expr& e) {
        switch (e.kind) {
            case ast::ExprKind::Unary:
                return Value::number(-e.as<ast::UnaryExpr>().operand->as<ast::NumberExpr>().value);
            case ast::ExprKind::List: {
                const auto& l = e.as<ast::ListExpr>();
                List* made = rt_.new_list(static_cast<std::uint32_t>(l.elements.size()));
                for (const ast::Expr* x : l.elements)
                    made->items[made->length++] = constant_element(*x);
                made->flags |= kFlagShared;
                return Value::object(made);
            }
            default:  // Number, Text, Truth, Nothing
                return literal_value(e);
        }
    }

    std::uint32_t name_constant(std::string_view name) {
        return constant(Value::object(rt_.intern(name)));
    }

    void throw_error(ErrorKind kind, std::string_view message) {
        emit(Op::Throw, static_cast<std::uint32_t>(kind));
        extra(constant(rt_.text(message)));
    }

    // ------------------------------------------------------------ scopes and names

    std::uint32_t new_slot() {
        std::uint32_t s = fn_->next_slot++;
        if (fn_->next_slot > fn_->max_slot) fn_->max_slot = fn_->next_slot;
        if (fn_->max_slot > (1u << 20)) fail("too many local variables");
        return s;
    }

    std::uint32_t declare_local(std::string_view name, bool is_mutable) {
        // The innermost local of this name, if it is of this scope (locals' depths never fall
        // from first to last, so it is the one a walk back to the scope's start would find).
        if (const int i = fn_->locals.latest(name); i >= 0) {
            Local& l = fn_->locals[static_cast<std::size_t>(i)];
            if (l.depth >= fn_->scope_depth) {
                l.is_mutable = is_mutable;
                l.pending = false;
                l.is_parameter = false;
                if (l.conditional) {
                    l.conditional = false;  // until the end of this block (see block())
                    fn_->bound_here.push_back(static_cast<std::size_t>(i));
                }
                return l.slot;
            }
        }
        std::uint32_t slot = new_slot();
        fn_->locals.push_back(Local{name, slot, fn_->scope_depth, is_mutable, false, false});
        return slot;
    }

    std::uint32_t hidden_slot() {
        std::uint32_t slot = new_slot();
        fn_->locals.push_back(Local{"", slot, fn_->scope_depth, false, false, false});
        return slot;
    }

    void begin_scope() { fn_->scope_depth++; }

    // Ends a scope: forgets its locals, frees their slots, closes captured ones.
    void end_scope() {
        std::uint32_t first = UINT32_MAX;
        bool captured = false;
        while (!fn_->locals.empty() && fn_->locals.back().depth >= fn_->scope_depth) {
            first = std::min(first, fn_->locals.back().slot);
            captured |= fn_->locals.back().captured;
            fn_->locals.pop_back();
        }
        while (!fn_->later.empty() && fn_->later.back().depth >= fn_->scope_depth) {
            fn_->later.pop_back();
        }
        if (captured) emit(Op::CloseUpvalues, first);
        if (first != UINT32_MAX) fn_->next_slot = first;
        fn_->scope_depth--;
    }

    // True when some local declared at depth >= `depth` was captured.
    bool scope_captured(std::uint32_t depth, std::uint32_t& first) const {
        bool captured = false;
        first = UINT32_MAX;
        for (const Local& l : fn_->locals) {
            if (l.depth >= depth) {
                first = std::min(first, l.slot);
                captured |= l.captured;
            }
        }
        return captured;
    }

    // The innermost local `name` of `fs`; a pending one only when `with_pending` (for a nested
    // chant: the function's own code does not see a local before its `bind`).
    static int find_local(FunctionState* fs, std::string_view name, bool with_pending) {
        for (int i = fs->locals.latest(name); i >= 0;) {
            const Local& l = fs->locals[static_cast<std::size_t>(i)];
            if (with_pending || !l.pending) return i;
            i = l.prev_same;
        }
        return -1;
    }

    // A name the current block of `fs` binds further on becomes a pending local now, so that
    // the nested chant being compiled captures it; -1 when no such binding follows.
    int declare_pending(FunctionState* fs, std::string_view name) {
        for (auto it = fs->later.rbegin(); it != fs->later.rend(); ++it) {
            if (it->depth < fs->scope_depth) break;
            if (it->name != name) continue;
            std::uint32_t slot = fs->next_slot++;
            if (fs->next_slot > fs->max_slot) fs->max_slot = fs->next_slot;
            fs->locals.push_back(Local{name, slot, fs->scope_depth, it->is_mutable, false, true});
            fs->unbind.push_back(slot);
            return static_cast<int>(fs->locals.size() - 1);
        }
        return -1;
    }

    static int add_upvalue(FunctionState* fs, std::uint16_t index, bool from_local, bool is_mutable,
                           bool maybe_unbound) {
        for (std::size_t i = 0; i < fs->upvalues.size(); ++i) {
            if (fs->upvalues[i].index == index && fs->upvalues[i].from_local == from_local) {
                return static_cast<int>(i);
            }
        }
        fs->upvalues.push_back(UpvalueInfo{index, from_local, is_mutable, maybe_unbound, false});
        return static_cast<int>(fs->upvalues.size() - 1);
    }

    int resolve_upvalue(FunctionState* fs, std::string_view name, bool& is_mutable) {
        if (!fs->parent) return -1;
        int local = find_local(fs->parent, name, true);
        if (local < 0) local = declare_pending(fs->parent, name);
        if (local >= 0) {
            Local& l = fs->parent->locals[local];
            l.captured = true;
            is_mutable = l.is_mutable;
            int at = add_upvalue(fs, static_cast<std::uint16_t>(l.slot), true, l.is_mutable,
                                 l.pending || l.conditional);
            fs->upvalues[static_cast<std::size_t>(at)].is_parameter = l.is_parameter;
            return at;
        }
        int up = resolve_upvalue(fs->parent, name, is_mutable);
        if (up >= 0) {
            const UpvalueInfo& outer = fs->parent->upvalues[static_cast<std::size_t>(up)];
            bool is_parameter = outer.is_parameter;
            int at = add_upvalue(fs, static_cast<std::uint16_t>(up), false, is_mutable,
                                 outer.maybe_unbound);
            fs->upvalues[static_cast<std::size_t>(at)].is_parameter = is_parameter;
            return at;
        }
        return -1;
    }

    Resolution resolve(std::string_view name) {
        int local = find_local(fn_, name, false);
        if (local >= 0) {
            const Local& l = fn_->locals[local];
            // Unbound, a read falls back to the top level's `name` (GetLocalBound).
            if (l.conditional && !fn_->is_script) free_in_chants_.insert(name);
            return {Resolved::Local, l.slot, l.is_mutable, l.conditional, name, l.is_parameter};
        }
        if (!fn_->is_script) free_in_chants_.insert(name);
        bool is_mutable = false;
        int up = resolve_upvalue(fn_, name, is_mutable);
        if (up >= 0) {
            if (up > 0xFFFF) fail("too many captured variables");
            const UpvalueInfo& u = fn_->upvalues[static_cast<std::size_t>(up)];
            return {Resolved::Upvalue,
                    static_cast<std::uint32_t>(up),
                    is_mutable,
                    u.maybe_unbound,
                    name,
                    u.is_parameter};
        }
        return {Resolved::Global, global_ref(name), true};
    }

    // The global slot code compiled here reads for a name it does not bind: a module file's
    // code sees the host's globals only, not the names a script binds (runtime.hpp:
    // kModuleScope).
    std::uint32_t global_ref(std::string_view name) {
        return module_mode_ ? rt_.module_global_slot(rt_.intern(name))
                            : rt_.global_slot(rt_.intern(name));
    }

    // Before a store through an upvalue that may not be bound yet: UndefinedVariable if not.
    void check_bound(const Resolution& r) {
        if (!r.maybe_unbound) return;
        emit(r.kind == Resolved::Local ? Op::CheckLocalBound : Op::CheckBound, r.index);
        extra(name_constant(r.name));
    }

    void load(const Resolution& r) {
        switch (r.kind) {
            case Resolved::Local:
                if (r.maybe_unbound) {
                    emit(Op::GetLocalBound, r.index);
                    extra(name_constant(r.name));
                } else {
                    emit(Op::GetLocal, r.index);
                }
                break;
            case Resolved::Upvalue:
                if (r.maybe_unbound) {
                    emit(Op::GetUpvalueBound, r.index);
                    extra(name_constant(r.name));
                } else {
                    emit(Op::GetUpvalue, r.index);
                }
                break;
            case Resolved::Global:
                emit(Op::GetGlobal, r.index);
                break;
        }
    }

    std::uint32_t var_ref(const Resolution& r) {
        switch (r.kind) {
            case Resolved::Local:
                return bytecode::var_ref(VarKind::Local, r.index);
            case Resolved::Upvalue:
                return bytecode::var_ref(VarKind::Upvalue, r.index);
            case Resolved::Global:
                return bytecode::var_ref(VarKind::Global, r.index);
        }
        return 0;
    }

    bool at_global_scope() const { return fn_->is_script && fn_->scope_depth == 0; }

    // Pops the value on the stack into a new binding `name`.
    void define(std::string_view name, bool is_mutable) {
        if (at_global_scope()) {
            emit(is_mutable ? Op::DefineGlobalMut : Op::DefineGlobal,
                 rt_.global_slot(rt_.intern(name)));
        } else {
            emit(Op::SetLocal, declare_local(name, is_mutable));
        }
    }

    // Notes the names a block binds further on (chants included), which a nested chant may
    // capture before their definition runs: so chants in one scope can call each other. A
    // chant's name is not declared before its `chant` statement: until it runs, the block's own
    // code finds the outer name (or UndefinedVariable), as for a `bind`; declaring it early
    // made such a read see `nothing`.
    void hoist_chants(ast::Block body) {
        if (at_global_scope()) return;
        note_later_names(body);
        declare_conditional_names(body);
    }

    // Calls f(name, is_mutable, nested, is_chant) for every name a block binds in its own
    // scope: its bind/weave/form/chant statements, and those inside its should/otherwise/
    // whilst/attempt bodies (nested = true there), which open no scope of their own (§6).
    template <class F>
    static void for_each_scope_binding(ast::Block body, bool nested, F&& f) {
        for (const ast::Stmt* s : body) {
            if (auto* b = s->get_if<ast::BindStmt>()) {
                f(b->name, b->is_mutable, nested, false);
            } else if (auto* form = s->get_if<ast::FormStmt>()) {
                f(form->name, false, nested, false);
            } else if (auto* c = s->get_if<ast::ChantStmt>()) {
                f(c->function->name, false, nested, true);
            } else if (auto* should = s->get_if<ast::ShouldStmt>()) {
                for_each_scope_binding(should->then_body, true, f);
                for_each_scope_binding(should->otherwise_body, true, f);
            } else if (auto* whilst = s->get_if<ast::WhilstStmt>()) {
                for_each_scope_binding(whilst->body, true, f);
            } else if (auto* attempt = s->get_if<ast::AttemptStmt>()) {
                for_each_scope_binding(attempt->body, true, f);
                for (const ast::Handler& h : attempt->handlers)
                    for_each_scope_binding(h.body, true, f);
            }
        }
    }

    // Declares, unbound, each name that only the nested should/whilst/attempt bodies of `body`
    // bind and that no enclosing scope or chant knows (the run-time lookup would reach the top
    // level), so that reads of it are checked (see Local::conditional).
    void declare_conditional_names(ast::Block body) {
        for_each_scope_binding(body, false,
                               [&](std::string_view name, bool is_mutable, bool nested, bool) {
                                   if (!nested || knows_name(name)) return;
                                   std::uint32_t slot = new_slot();
                                   Local l{name, slot, fn_->scope_depth, is_mutable, false, false};
                                   l.conditional = true;
                                   fn_->locals.push_back(l);
                                   emit(Op::Unbind, slot);
                               });
    }

    // A local of this chant or of an enclosing one (pending or not) has this name, or an
    // enclosing scope binds it further on.
    bool knows_name(std::string_view name) const {
        for (FunctionState* fs = fn_; fs; fs = fs->parent) {
            if (find_local(fs, name, true) >= 0) return true;
            if (fs == fn_) continue;
            for (const LaterName& l : fs->later)
                if (l.name == name) return true;
        }
        return false;
    }

    // The names a block binds further on in this scope: its bind/weave/form/chant statements,
    // and every binding inside its should/otherwise/whilst/attempt bodies, so a chant defined
    // before them still finds those names.
    void note_later_names(ast::Block body) {
        for_each_scope_binding(
            body, false, [&](std::string_view name, bool is_mutable, bool, bool) {
                fn_->later.push_back(LaterName{name, fn_->scope_depth, is_mutable});
            });
    }

    // ------------------------------------------------------------ statements

    void block(ast::Block body, bool want_value) {
        if (body.empty()) {
            if (want_value) emit(Op::Nothing);
            return;
        }
        hoist_chants(body);
        const std::size_t bound_before = fn_->bound_here.size();
        for (std::size_t i = 0; i < body.size(); ++i) {
            stmt(*body[i], want_value && i + 1 == body.size());
        }
        // A conditional local this block bound is bound only as far as the block goes: after
        // it (a should that did not run, a whilst that did not iterate) reads check again.
        for (std::size_t i = bound_before; i < fn_->bound_here.size(); ++i) {
            std::size_t at = fn_->bound_here[i];
            if (at < fn_->locals.size()) fn_->locals[at].conditional = true;
        }
        fn_->bound_here.resize(bound_before);
    }

    void stmt(const ast::Stmt& s, bool want_value) {
        pos_ = s.location;
        check_stack_room();
        switch (s.kind) {
            case ast::StmtKind::Expression: {
                expr(*s.as<ast::ExpressionStmt>().expression);
                if (!want_value) emit(Op::Pop);
                break;
            }
            case ast::StmtKind::Bind:
                bind_stmt(s.as<ast::BindStmt>(), want_value);
                break;
            case ast::StmtKind::Set:
                set_stmt(s.as<ast::SetStmt>(), want_value);
                break;
            case ast::StmtKind::Should:
                should_stmt(s.as<ast::ShouldStmt>(), want_value);
                break;
            case ast::StmtKind::Whilst:
                whilst_stmt(s.as<ast::WhilstStmt>(), want_value);
                break;
            case ast::StmtKind::ForEach:
                for_each_stmt(s.as<ast::ForEachStmt>(), want_value);
                break;
            case ast::StmtKind::Break:
            case ast::StmtKind::Continue: {
                bool is_break = s.kind == ast::StmtKind::Break;
                if (fn_->loops.empty()) {
                    throw_error(
                        is_break ? ErrorKind::BreakOutsideLoop : ErrorKind::ContinueOutsideLoop,
                        is_break ? "'break' outside of a loop" : "'continue' outside of a loop");
                } else {
                    LoopInfo& loop = fn_->loops.back();
                    for (std::uint32_t i = loop.try_depth; i < fn_->try_depth; ++i)
                        emit(Op::EndTry);
                    // Leaving scopes (an iteration, a match arm) by a jump: close what they
                    // may have captured, as their normal ends would.
                    std::uint32_t first = UINT32_MAX;
                    for (const Local& l : fn_->locals) {
                        if (l.depth > loop.scope_depth) first = std::min(first, l.slot);
                    }
                    if (first != UINT32_MAX) emit(Op::CloseUpvalues, first);
                    std::size_t at = emit(Op::Jump);
                    (is_break ? loop.breaks : loop.continues).push_back(at);
                }
                if (want_value) emit(Op::Nothing);  // unreachable, keeps the stack shape
                break;
            }
            case ast::StmtKind::Yield: {
                const auto& y = s.as<ast::YieldStmt>();
                if (fn_->is_script) {
                    throw_error(ErrorKind::CustomError, "'yield' outside of a chant");
                } else {
                    const bool owned = yield_in_place(*y.value) || yield_literal_moving(*y.value) ||
                                       yield_literal_taking(*y.value);
                    const bool moving = !owned && tail_call_moving(*y.value);
                    if (!owned && !moving) expr(*y.value, fn_->try_depth == 0);
                    // A tail call of another chant runs as a call, and the frame ends with its
                    // result: owned when the callee returned it owned (the locals it may have
                    // come from die with this frame), so `yield bump(a)` hands its caller what
                    // bump made as `bind r to bump(a)  yield r` does.
                    auto* call = y.value->get_if<ast::CallExpr>();
                    const bool tail_call = moving || (call && call->tail && fn_->try_depth == 0);
                    // Leaving the chant's loops: drop their pins (once the value is made, since
                    // an error there may be caught inside a loop). A self tail call that reuses
                    // the frame skips this; a pin left behind only costs one later copy.
                    for (const LoopInfo& loop : fn_->loops) {
                        if (loop.pins) emit(Op::UnpinResult, loop.result);
                    }
                    emit(owned || yields_owned_local(*y.value) ? Op::ReturnOwned
                         : tail_call                           ? Op::ReturnCalled
                         : yields_parameter(*y.value)          ? Op::ReturnParam
                                                               : Op::Return);
                }
                if (want_value) emit(Op::Nothing);
                break;
            }
            case ast::StmtKind::Chant: {
                const auto& c = s.as<ast::ChantStmt>();
                function(*c.function);
                define(c.function->name, false);
                if (want_value) load(resolve(c.function->name));
                break;
            }
            case ast::StmtKind::Form: {
                const auto& f = s.as<ast::FormStmt>();
                emit(Op::Constant, constant(Value::object(struct_def(f))));
                define(f.name, false);
                if (want_value) load(resolve(f.name));
                break;
            }
            case ast::StmtKind::Match:
                match_stmt(s.as<ast::MatchStmt>(), want_value);
                break;
            case ast::StmtKind::Variant: {
                variant_stmt(s.as<ast::VariantStmt>());
                if (want_value) emit(Op::Nothing);
                break;
            }
            case ast::StmtKind::Grove: {
                const auto& g = s.as<ast::GroveStmt>();
                ast::Function body;
                body.location = g.location;
                body.name = g.name;
                body.body = g.body;
                function(body, &g);
                emit(Op::Call, 0, 0);
                if (module_mode_) {
                    emit(Op::Return);  // the module file's result is its grove
                    if (want_value) emit(Op::Nothing);
                } else {
                    define(g.name, false);
                    if (want_value) load(resolve(g.name));
                }
                break;
            }
            case ast::StmtKind::Summon: {
                const auto& m = s.as<ast::SummonStmt>();
                emit(Op::Summon, constant(rt_.text(m.path)));
                std::string_view name = m.alias.empty() ? m.module : m.alias;
                define(name, false);
                if (want_value) load(resolve(name));
                break;
            }
            case ast::StmtKind::Gather: {
                const auto& g = s.as<ast::GatherStmt>();
                for (const ast::GatherItem& item : g.items) {
                    pos_ = item.location;
                    load(resolve(g.module));
                    emit(Op::GetField, name_constant(item.name));
                    extra(0);
                    define(item.alias.empty() ? item.name : item.alias, false);
                }
                if (want_value) emit(Op::Nothing);
                break;
            }
            case ast::StmtKind::Aspect:
                // Signatures only document the aspect; dispatch needs just the embodiments.
                if (want_value) emit(Op::Nothing);
                break;
            case ast::StmtKind::Embody: {
                const auto& e = s.as<ast::EmbodyStmt>();
                for (const ast::Function* m : e.methods) {
                    function(*m);
                    pos_ = m->location;
                    emit(Op::DefineMethod, name_constant(e.type_name));
                    extra(name_constant(m->name));
                }
                if (want_value) emit(Op::Nothing);
                break;
            }
            case ast::StmtKind::Attempt:
                attempt_stmt(s.as<ast::AttemptStmt>(), want_value);
                break;
            default:
                throw_error(ErrorKind::CustomError, "this extended statement is not supported yet");
                if (want_value) emit(Op::Nothing);
                break;
        }
    }

    void bind_stmt(const ast::BindStmt& b, bool want_value) {
        if (lends_.count(&b)) {
            lend_stmt(b, want_value);
            return;
        }
        if (auto at = pack_moves_.find(&b);
            at != pack_moves_.end() && pack_may_move(b, at->second)) {
            pack_moving(b, at->second, want_value);
            return;
        }
        if (auto at = bind_moves_.find(&b); at != bind_moves_.end() && bind_may_move(b)) {
            bind_moving(b, want_value);
            return;
        }
        if (fresh_takes_.count(&b) && fresh_take_here(b)) {
            expr(*taken_from(*b.value));
            take_into(
                *b.value,
                Resolution{Resolved::Local, declare_local(b.name, b.is_mutable), b.is_mutable},
                b.location);
            if (want_value) load(resolve(b.name));
            return;
        }
        if (alias_bind(b, want_value)) return;
        expr(*b.value);
        pos_ = b.location;
        if (param_moves_.count(&b) && moves_local(*b.value)) {
            emit(Op::MoveLocal, declare_local(b.name, b.is_mutable));
            if (want_value) load(resolve(b.name));
            return;
        }
        if (at_global_scope() && top_level_locals_.count(b.name)) {
            emit(Op::SetLocal, declare_local(b.name, b.is_mutable));
        } else {
            define(b.name, b.is_mutable);
        }
        if (want_value) load(resolve(b.name));
    }

    // (4) (calls that move): `bind v to f(..., p, ...)`, p dead after it, moves p into the call and
    // keeps an owned result unmarked.
    void bind_moving(const ast::BindStmt& b, bool want_value) {
        const auto& call = b.value->as<ast::CallExpr>();
        const std::uint32_t moved = bind_moves_.find(&b)->second;
        call_moving(call, moved);
        pos_ = b.location;
        emit(Op::SetLocalOwned, declare_local(b.name, b.is_mutable));
        if (want_value) load(resolve(b.name));
    }

    void note_redefinition(std::string_view name) {
        if (name == "list_push") redefines_list_push_ = true;
        if (name == "list_pop") redefines_list_pop_ = true;
        if (name == "list_concat") redefines_list_concat_ = true;
        if (name == "concat") redefines_concat_ = true;
    }

    // `set xs to NAME(xs, ...)` where NAME is the global builtin `fn` taking `argc` arguments
    // and no local, upvalue or top-level definition hides it: the call to turn into an
    // in-place update of xs, else nullptr.
    const ast::CallExpr* in_place_call(const ast::IdentifierExpr& target, const ast::Expr& value,
                                       std::string_view name, NativeFn fn, std::size_t argc,
                                       bool redefined) {
        auto* call = value.get_if<ast::CallExpr>();
        if (!call || call->arguments.size() != argc) return nullptr;
        auto* callee = call->callee->get_if<ast::IdentifierExpr>();
        auto* first = call->arguments[0]->get_if<ast::IdentifierExpr>();
        if (!callee || !first || callee->name != name || first->name != target.name) return nullptr;
        return names_builtin(name, fn, redefined) ? call : nullptr;
    }

    // True when `name` here is the global builtin `fn`: no local, upvalue or top-level
    // definition hides it (the in-place forms are only right while it is the builtin itself).
    bool names_builtin(std::string_view name, NativeFn fn, bool redefined) {
        if (find_local(fn_, name, true) >= 0) return false;
        for (FunctionState* f = fn_->parent; f; f = f->parent) {
            if (find_local(f, name, true) >= 0) return false;
        }
        Value g = rt_.get_global(name);
        return is_kind(g, ObjectKind::Native) && static_cast<Native*>(g.as_object())->fn == fn &&
               !redefined;
    }

    // ------------------------------------------------------------ aliases that die
    //
    // alias_moves.hpp finds, by name, (A) a bind whose name nothing reads, (B) a bind of a
    // variable x that is dead until a `set x` overwrites it, and (C) a `set x to f(..., v, ...)`
    // that is v's last read. What it cannot see is checked here, as each is compiled.

    void note_alias_moves(ast::Block scope) {
        const AliasMoves found = find_alias_moves(scope, memory_);
        for (const ast::BindStmt* b : found.unread)
            unread_binds_[b] = true;
        for (const ast::BindStmt* b : found.source_dead)
            source_dead_binds_[b] = true;
        for (const auto& [s, moved] : found.last_reads)
            last_reads_[s] = moved;
    }

    // (A) or (B): the value goes into v's slot unmarked (MoveLocal). v must be a local of this
    // frame: a global could be read by later REPL input, a host or an importer. The bind's own
    // value is no read of v (want_value: the block's value is). For (B), x must be a variable
    // that may move (may_move: no `attempt` around, so an error ends the frame or the sole
    // program before anything reads x again; no chant can read it during a call). A top-level
    // global x that some chant names, found only once every chant is compiled, gets its mark
    // back (undo_top_level_moves turns the Nop into a Share). Emits the bind and returns true,
    // or emits nothing.
    bool alias_bind(const ast::BindStmt& b, bool want_value) {
        if (want_value || at_global_scope() || fn_->is_grove) return false;
        std::optional<Resolution> x;
        if (!unread_binds_.count(&b)) {
            if (!source_dead_binds_.count(&b)) return false;
            x = resolve(b.value->as<ast::IdentifierExpr>().name);
            if (!may_move(*x)) return false;
        }
        expr(*b.value);
        pos_ = b.location;
        if (x && fn_->is_script && x->kind == Resolved::Global) {
            const std::size_t share = emit(Op::Nop);
            top_level_takes_.push_back(
                TopLevelShare{b.value->as<ast::IdentifierExpr>().name, share});
        }
        emit(Op::MoveLocal, declare_local(b.name, b.is_mutable));
        return true;
    }

    // (C): `set x to f(..., v, ...)`, v's last read: v moves into the call (CallMove) and x
    // keeps an owned result unmarked, as in `set x to f(x)`. v must be a `bind`/`weave` local
    // of this frame (not a parameter: a borrowed one is its caller's) and no `attempt` may
    // enclose the call (a handler could read v after the callee changed it in place). x is
    // stored as the plain `set` would, but owned: a local that is bound and mutable, or a global
    // (SetGlobalOwned checks it is mutable). Emits the store and returns true, or emits
    // nothing.
    bool last_read_moving(const ast::SetStmt& s, const Resolution& x, std::uint32_t moved,
                          bool want_value) {
        if (fn_->try_depth != 0 || fn_->is_grove || bytecode::moved_bit(moved) == 0) return false;
        if (x.kind == Resolved::Upvalue || x.maybe_unbound ||
            (x.kind == Resolved::Local && !x.is_mutable)) {
            return false;
        }
        const auto& call = s.value->as<ast::CallExpr>();
        Resolution v = resolve(call.arguments[moved]->as<ast::IdentifierExpr>().name);
        if (v.kind != Resolved::Local || v.maybe_unbound || v.is_parameter) return false;
        call_moving(call, moved);
        pos_ = s.location;
        emit(x.kind == Resolved::Local ? Op::SetLocalOwned : Op::SetGlobalOwned, x.index);
        if (want_value) load(x);
        return true;
    }

    // ------------------------------------------------------------ calls that move
    //
    // Parameters are immutable, so a chant that changes a list it is given copies it into a
    // `weave` and hands the result back, and its caller stores that over its own variable:
    //     chant swap(input, i, j) then      (callee)
    //         weave xs as input             (1) MoveLocal
    //         ...set xs[i] to ...           (2) in place, as on any local
    //         yield xs                      (3) ReturnOwned
    //     end
    //     set xs to swap(xs, i, j)          (caller) CallMove, SetLocalOwned
    // Were each store to mark the list shared as usual, (2) would copy the whole list at every
    // call. A shared mark is only ever missing where one holder remains, so:
    // - CallMove leaves the argument unmarked: the caller's variable holds the list too, but it
    //   is dead until SetLocalOwned overwrites it. Nothing else can read it meanwhile: it is a
    //   local of a chant that makes no chants (none captures it) and no `attempt` of that chant
    //   encloses the call (an error ends the frame, and the variable with it). Or it is a
    //   variable of a sole program's top level (compiler.hpp) that no chant names, outside any
    //   `attempt` (an error ends the program: SetGlobalOwned for a global). Every other
    //   argument is marked as always, so a list passed twice is shared.
    // - (1) MoveLocal stores a parameter that no later statement names without marking it: if
    //   its caller did not move it, the call marked it already.
    // - (3) ReturnOwned returns a local of a chant that makes no chants: the frame ends, so the
    //   value's other holders are marked (every store into a second place marks) and
    //   SetLocalOwned need not mark it. Any other return (a native callee too) leaves the
    //   result to be marked as SetLocal would.

    // `set X to F(..., X, ...)`, X a variable that may move (may_move) named by exactly one
    // argument directly: that argument's position.
    std::optional<std::uint32_t> moved_argument(const Resolution& r, const ast::IdentifierExpr& x,
                                                const ast::Expr& value) {
        if (!may_move(r)) return std::nullopt;
        auto* call = value.get_if<ast::CallExpr>();
        if (!call) return std::nullopt;
        bool mentions = false, captures = false;
        uses_name(*call->callee, x.name, mentions, captures);
        if (mentions) return std::nullopt;
        std::optional<std::uint32_t> moved;
        for (std::size_t i = 0; i < call->arguments.size(); ++i) {
            auto* arg = call->arguments[i]->get_if<ast::IdentifierExpr>();
            if (!arg || arg->name != x.name) continue;
            if (moved) return std::nullopt;  // passed twice
            moved = static_cast<std::uint32_t>(i);
        }
        if (moved && bytecode::moved_bit(*moved) == 0) return std::nullopt;  // past the mask
        return moved;
    }

    // `set X to X.m(...)`, X a variable that may move named nowhere else in the call: a method
    // that updates a `weave s as self` and yields s moves X as a chant's parameter would.
    bool moved_self(const Resolution& r, const ast::IdentifierExpr& x, const ast::Expr& value) {
        auto* call = value.get_if<ast::MethodCallExpr>();
        if (!call || !may_move(r) || !same_name(*call->object, x)) return false;
        bool mentions = false, captures = false;
        for (const ast::Expr* arg : call->arguments)
            uses_name(*arg, x.name, mentions, captures);
        return !mentions;
    }

    // obj.m(args): Invoke, or InvokeMove with `self` moved (moved_self).
    void invoke(const ast::MethodCallExpr& c, bool moving_self) {
        operand(*c.object, any_may_call(c.arguments, self_expr));
        operands(c.arguments, self_expr);
        pos_ = c.method_location;
        auto n = static_cast<std::uint32_t>(c.arguments.size());
        emit(moving_self ? Op::InvokeMove : Op::Invoke, name_constant(c.method),
             -static_cast<int>(n));
        extra(n);
        if (moving_self) extra(bytecode::moved_bit(0));
    }

    // Whether no chant made in this chant can name local `name`: none is made, or (a sole
    // program) none names it. A `main` that defines a helper closure keeps its other locals'
    // moves and in-place forms.
    bool uncaptured_local(std::string_view name) const {
        return fn_->makes_no_chants ||
               (fn_->names_in_nested_known && !name.empty() && !fn_->named_in_nested.count(name));
    }

    // Whether nothing can read variable `r` from a call until its result is stored into it, nor
    // after the call fails.
    bool may_move(const Resolution& r) const {
        if (fn_->try_depth != 0 || fn_->is_grove || r.maybe_unbound) return false;
        // A `bind`, parameter or loop variable: the plain store reports ImmutableBinding (a
        // global's flags are checked when it runs).
        if (r.kind != Resolved::Global && !r.is_mutable) return false;
        if (fn_->is_script) {
            // The top level of a program run alone (compiler.hpp): its variables die with an
            // uncaught error, no host function can read them, and no code but this unit's
            // (no summon) can name them. A chant that names it, perhaps one compiled further
            // on, may read it during the call: undo_top_level_moves checks at the end.
            return sole_program_ && r.kind != Resolved::Upvalue;
        }
        return r.kind == Resolved::Local && uncaptured_local(r.name);
    }

    // A top-level Share of a variable no chant of the unit names from outside itself (operand)
    // does nothing.
    void drop_needless_shares() {
        for (const TopLevelShare& m : top_level_shares_) {
            if (free_in_chants_.count(m.name)) continue;
            fn_->proto->code[m.share] = encode(Op::Nop, 0);
        }
    }

    // A top-level move of a variable some chant of the unit names from outside itself (found
    // only once every chant is compiled) becomes a plain call and store again.
    void undo_top_level_moves() {
        for (const TopLevelMove& m : top_level_moves_) {
            if (!free_in_chants_.count(m.name)) continue;
            std::uint32_t& moved = fn_->proto->code[m.moved_word];
            moved = bytecode::kNoMove;
            std::uint32_t& store = fn_->proto->code[m.store];
            const Op plain =
                bytecode::op_of(store) == Op::SetLocalOwned ? Op::SetLocal : Op::SetGlobal;
            store = encode(plain, bytecode::operand_of(store));
        }
        // A part taken into a literal (literal_taking) leaves marked, as the plain read's value
        // is wherever it is stored; the literal itself is new, so its store stays as it is.
        for (const TopLevelShare& t : top_level_takes_) {
            if (free_in_chants_.count(t.name)) fn_->proto->code[t.share] = encode(Op::Share, 0);
        }
    }

    void call_moving(const ast::CallExpr& c, std::uint32_t moved) {
        expr(*c.callee);
        operands(c.arguments, self_expr);
        pos_ = c.location;
        auto n = static_cast<std::uint32_t>(c.arguments.size());
        emit(Op::CallMove, n, -static_cast<int>(n));
        extra(bytecode::moved_bit(moved));
    }

    // Notes each (1): a `weave v as p` statement of the chant's own body, p one of its
    // parameters, that no later statement names (unless v is p itself, which hides it).
    // bind_stmt checks that p is still a local there (MoveLocal may move any local that is
    // dead after it; the parameter is what scripts write).
    void note_param_moves(const ast::Function& f) {
        if (!fn_->makes_no_chants) return;
        ast::Block body = f.body;
        for (std::size_t i = 0; i < body.size(); ++i) {
            auto* b = body[i]->get_if<ast::BindStmt>();
            auto* p = b && b->is_mutable ? b->value->get_if<ast::IdentifierExpr>() : nullptr;
            if (!p) continue;
            bool is_parameter = false;
            for (const ast::Param& param : f.params)
                is_parameter |= param.name == p->name;
            if (!is_parameter) continue;
            bool mentions = false, captures = false;
            if (b->name != p->name) {
                for (std::size_t j = i + 1; j < body.size(); ++j)
                    uses_name(*body[j], p->name, mentions, captures);
            }
            if (!mentions) param_moves_[b] = true;
        }
    }

    // (4): `bind v to f(..., p, ...)` or `weave v as ...`, a statement of the chant's own body,
    // p a name other than v that neither the rest of the call nor any later statement names:
    //     chant build(m, n) then ... bind next to put(m, k, v)  yield build(next, n - 1) end
    // p dies with the call, so the call moves it (CallMove) and v keeps an owned result
    // unmarked (SetLocalOwned), as `set p to f(p)` does. bind_may_move checks that p is a
    // local there.
    void note_bind_moves(ast::Block body) {
        for (std::size_t i = 0; i < body.size(); ++i) {
            auto* b = body[i]->get_if<ast::BindStmt>();
            auto* call = b ? b->value->get_if<ast::CallExpr>() : nullptr;
            if (!call) continue;
            for (std::size_t j = 0; j < call->arguments.size(); ++j) {
                auto* p = call->arguments[j]->get_if<ast::IdentifierExpr>();
                if (!p || p->name == b->name || !bytecode::moved_bit(static_cast<std::uint32_t>(j)))
                    continue;
                bool mentions = false, captures = false;
                uses_name(*call->callee, p->name, mentions, captures);
                for (std::size_t k = 0; k < call->arguments.size(); ++k) {
                    if (k != j) uses_name(*call->arguments[k], p->name, mentions, captures);
                }
                for (std::size_t k = i + 1; k < body.size(); ++k)
                    uses_name(*body[k], p->name, mentions, captures);
                if (mentions) continue;
                bind_moves_[b] = static_cast<std::uint32_t>(j);
                break;
            }
        }
    }

    bool bind_may_move(const ast::BindStmt& b) {
        if (fn_->is_grove || fn_->is_script || fn_->try_depth != 0) return false;
        const auto& call = b.value->as<ast::CallExpr>();
        const auto& p = call.arguments[bind_moves_.find(&b)->second]->as<ast::IdentifierExpr>();
        if (!uncaptured_local(p.name) || !uncaptured_local(b.name)) return false;
        Resolution r = resolve(p.name);
        return r.kind == Resolved::Local && !r.maybe_unbound;
    }

    bool moves_local(const ast::Expr& value) {
        Resolution r = resolve(value.as<ast::IdentifierExpr>().name);
        return r.kind == Resolved::Local && !r.maybe_unbound;
    }

    // `yield list_push(p, v)` (list_pop, list_concat too), p a parameter or `bind`/`weave` local
    // of a chant that makes no chants: p is dead after it, so the call runs in place on p's
    // slot (copying if p's value is shared, as any in-place update does) and the value is
    // returned owned, like (3). A helper written `yield list_push(stack, v)` then pushes onto
    // its caller's list in place. Emits it and returns true, or emits nothing.
    bool yield_in_place(const ast::Expr& value) {
        if (yield_temporary_in_place(value)) return true;
        auto* call = value.get_if<ast::CallExpr>();
        auto* p = call && !call->arguments.empty()
                      ? call->arguments[0]->get_if<ast::IdentifierExpr>()
                      : nullptr;
        if (!p) return false;
        InPlaceCall in_place = in_place_call_of(*p, value);
        if (!in_place.call) return false;
        // The update is the frame's last act, so an `attempt` around it is no obstacle.
        std::optional<Resolution> r = dead_after_yield(p->name);
        if (!r) return false;
        emit_in_place_call(*r, p->name, in_place, call->location);
        return true;
    }

    // `yield list_push(g(...), v)` (list_pop, list_concat too), the first argument a call: its
    // result goes to a hidden slot, unmarked when g returned it owned (ShareUnowned: then
    // nothing else holds it), and the builtin runs in place on that slot as on a dead local. A
    // recursion that builds its list on the way back,
    //     chant upto(n) then ... yield list_push(upto(n - 1), n) end
    // then pushes in place at every level instead of copying the list.
    bool yield_temporary_in_place(const ast::Expr& value) {
        if (fn_->is_grove) return false;
        auto* call = value.get_if<ast::CallExpr>();
        auto* callee = call ? call->callee->get_if<ast::IdentifierExpr>() : nullptr;
        if (!callee || call->arguments.empty() || call->arguments[0]->kind != ast::ExprKind::Call) {
            return false;
        }
        InPlaceCall in_place{call};
        if (callee->name == "list_push" && call->arguments.size() == 2 &&
            names_builtin("list_push", &builtin_list_push, redefines_list_push_)) {
        } else if (callee->name == "list_pop" && call->arguments.size() == 1 &&
                   names_builtin("list_pop", &builtin_list_pop, redefines_list_pop_)) {
            in_place = {call, Op::ListPopVar, "list_pop"};
        } else if (callee->name == "list_concat" && call->arguments.size() == 2 &&
                   names_builtin("list_concat", &builtin_list_concat, redefines_list_concat_)) {
            in_place = {call, Op::ListConcatVar, "list_concat"};
        } else {
            return false;
        }
        expr(*call->arguments[0]);
        emit(Op::ShareUnowned);
        const std::uint32_t slot = hidden_slot();
        emit(Op::MoveLocal, slot);
        emit_in_place_call(Resolution{Resolved::Local, slot, true}, {}, in_place, call->location);
        return true;
    }

    // A local of this chant that a `yield` may update in place or move: a parameter or a
    // `bind`/`weave` local of a chant that makes no chants (so no call can reach it). A `for
    // each` variable is an element its list still holds, unmarked when it was moved back there
    // (MoveIndexVar): never. Parameters come first. Moving it into a call also needs no
    // `attempt` around (tail_call_moving checks): a handler of this frame could read it.
    std::optional<Resolution> dead_after_yield(std::string_view name) {
        if (!uncaptured_local(name) || fn_->is_grove) return std::nullopt;
        Resolution r = resolve(name);
        if (r.kind != Resolved::Local || r.maybe_unbound) return std::nullopt;
        const std::uint32_t parameters = fn_->proto->arity + (fn_->proto->variadic ? 1u : 0u);
        if (r.is_parameter && r.index >= parameters) return std::nullopt;
        return r;
    }

    // `yield f(..., acc, ...)` and `yield f(..., list_push(acc, v), ...)` (list_pop and
    // list_concat too), acc a local that dies with the frame (dead_after_yield) and that no
    // other part of the call names: the push runs in place on acc's slot (as yield_in_place),
    // and the argument moves (TailCallMove), so a self tail call that reuses the frame takes it
    // unmarked. A recursion that accumulates,
    //     chant build(acc, n) then ... yield build(list_push(acc, n), n - 1) end
    // then pushes in place at every step instead of copying acc. Another callee gets the
    // arguments as CallMove gives them: this frame's slots still hold them but are never read
    // again. Emits the call and returns true, or emits nothing.
    bool tail_call_moving(const ast::Expr& value) {
        auto* call = value.get_if<ast::CallExpr>();
        if (!call || !call->tail || fn_->try_depth != 0) return false;
        struct Moving {
            std::optional<Resolution> local;
            InPlaceCall in_place;
            const ast::IdentifierExpr* name = nullptr;
            const ast::CallExpr* inner = nullptr;      // a nested call: its result moves
            std::optional<std::uint32_t> inner_moved;  // the inner call's argument that moves
        };
        const std::size_t n = call->arguments.size();
        Vec<Moving> moving(n, Moving{}, memory_);
        std::uint32_t mask = bytecode::kNoMove;
        for (std::size_t i = 0; i < n && bytecode::moved_bit(static_cast<std::uint32_t>(i)); ++i) {
            const ast::Expr& arg = *call->arguments[i];
            Moving m;
            if (auto* id = arg.get_if<ast::IdentifierExpr>()) {
                m.name = id;
            } else if (auto* inner = arg.get_if<ast::CallExpr>();
                       inner && !inner->arguments.empty()) {
                if (auto* p = inner->arguments[0]->get_if<ast::IdentifierExpr>()) {
                    m.in_place = in_place_call_of(*p, arg);
                    if (m.in_place.call) m.name = p;
                }
            }
            if (!m.name) {
                if (auto* inner = arg.get_if<ast::CallExpr>()) {
                    m.inner = inner;
                    m.inner_moved = inner_moving_argument(*call, i);
                    mask |= bytecode::moved_bit(static_cast<std::uint32_t>(i));
                    moving[i] = m;
                }
                continue;
            }
            // Named nowhere else: not by the callee, another argument, or the push's value.
            bool mentions = false, captures = false;
            uses_name(*call->callee, m.name->name, mentions, captures);
            for (std::size_t j = 0; j < n; ++j) {
                if (j != i) uses_name(*call->arguments[j], m.name->name, mentions, captures);
            }
            if (m.in_place.call) {
                for (std::size_t j = 1; j < m.in_place.call->arguments.size(); ++j)
                    uses_name(*m.in_place.call->arguments[j], m.name->name, mentions, captures);
            }
            if (mentions) continue;
            m.local = dead_after_yield(m.name->name);
            if (!m.local) continue;
            mask |= bytecode::moved_bit(static_cast<std::uint32_t>(i));
            moving[i] = m;
        }
        if (mask == bytecode::kNoMove) return false;
        expr(*call->callee);
        Vec<bool> later = later_calls(call->arguments, self_expr);
        for (std::size_t i = 0; i < n; ++i) {
            const Moving& m = moving[i];
            if (m.inner) {
                if (m.inner_moved) {
                    call_moving(*m.inner, *m.inner_moved);
                } else {
                    expr(*m.inner);
                }
                emit(Op::ShareUnowned);
            } else if (m.in_place.call) {
                emit_in_place_call(*m.local, m.name->name, m.in_place,
                                   call->arguments[i]->location);
            } else if (m.local) {
                expr(*call->arguments[i]);  // no call can reach the local: no Share
            } else {
                operand(*call->arguments[i], later[i]);
            }
        }
        pos_ = call->location;
        emit(Op::TailCallMove, static_cast<std::uint32_t>(n), -static_cast<int>(n));
        extra(mask);
        return true;
    }

    // In `yield f(..., g(..., acc, ...), ...)`, argument i of the tail call being g's call:
    // the position of g's argument acc when acc is a local that dies with the frame
    // (dead_after_yield) named nowhere else in the tail call, so g's call can move it
    // (CallMove). A helper that updates a copy of what it is given,
    //     chant put(m, k, v) then weave out as m  set out[k] to v  yield out end
    //     chant build(m, n) then ... yield build(put(m, k, v), n - 1) end
    // then takes m unmarked, updates it in place and returns it owned, and that result moves
    // on into the tail call (ShareUnowned leaves it unmarked only when the callee returned
    // it with ReturnOwned, as its sole holder): no copy of m at any step.
    std::optional<std::uint32_t> inner_moving_argument(const ast::CallExpr& call, std::size_t i) {
        const auto& inner = call.arguments[i]->as<ast::CallExpr>();
        std::optional<std::uint32_t> found;
        for (std::size_t j = 0; j < inner.arguments.size(); ++j) {
            auto* id = inner.arguments[j]->get_if<ast::IdentifierExpr>();
            if (!id || bytecode::moved_bit(static_cast<std::uint32_t>(j)) == 0) continue;
            bool mentions = false, captures = false;
            uses_name(*call.callee, id->name, mentions, captures);
            uses_name(*inner.callee, id->name, mentions, captures);
            for (std::size_t k = 0; k < call.arguments.size(); ++k) {
                if (k != i) uses_name(*call.arguments[k], id->name, mentions, captures);
            }
            for (std::size_t k = 0; k < inner.arguments.size(); ++k) {
                if (k != j) uses_name(*inner.arguments[k], id->name, mentions, captures);
            }
            if (mentions || !dead_after_yield(id->name)) continue;
            found = static_cast<std::uint32_t>(j);
            break;
        }
        return found;
    }

    // (3): `yield v`, v a local (not a parameter or loop variable) of a chant that makes no
    // chants.
    bool yields_owned_local(const ast::Expr& value) {
        auto* v = value.get_if<ast::IdentifierExpr>();
        if (!v || !uncaptured_local(v->name) || fn_->is_grove) return false;
        Resolution r = resolve(v->name);
        return r.kind == Resolved::Local && !r.maybe_unbound && !r.is_parameter;
    }

    // `yield p`, p a parameter of a chant that makes no chants. Every call marks what it
    // passes, except what it moves (the caller's variable is dead) and what the chant only
    // borrows (a borrowed parameter is never yielded: borrowed_params.hpp); and whatever the
    // chant stored p in marked it. So p unmarked at the yield was moved in and nothing else
    // holds it: ReturnParam hands it back owned, and a recursive helper's base case,
    // `should lo at least hi then yield arr end`, no longer marks the caller's list shared
    // (which made the caller's next in-place update copy it all).
    bool yields_parameter(const ast::Expr& value) {
        auto* v = value.get_if<ast::IdentifierExpr>();
        if (!v || !fn_->makes_no_chants || fn_->is_grove) return false;
        Resolution r = resolve(v->name);
        return r.kind == Resolved::Local && !r.maybe_unbound && r.is_parameter;
    }

    // `set xs to list_push(xs, v)`, list_pop(xs) or list_concat(xs, other), the builtins: the
    // call to run as an in-place update of xs (call null: none).
    struct InPlaceCall {
        const ast::CallExpr* call = nullptr;
        Op op = Op::ListPushVar;
        const char* builtin = "list_push";
    };

    // ------------------------------------------------------------ results taken apart
    //
    // A helper that must hand back two things packs them, and its caller unpacks them:
    //     chant pop(heap) then ... weave h as heap ... yield [top, h] end     (a) the pack
    //     bind res to pop(h)                                                  (b) the call
    //     bind top to res[0]
    //     set h to res[1]                                                     (c) the unpack
    // As written, (b) marks h shared as it passes it, (a) marks h again as the list stores it,
    // and (c) marks it again as h stores it: the helper's in-place updates copy the whole heap
    // at every call. Yet each holder dies as the next takes over:
    // - (a) h is a local of the helper, dead as it yields: the literal stores it unmarked
    //   (ListMoving/StructMoving) and is returned owned;
    // - (b) h is dead from the call until (c) overwrites it (no statement between names h or
    //   can leave before (c)), so the call moves it (CallMove), and res keeps the owned result
    //   unmarked in a local (at the top level, a local of its frame, as a lent row is);
    // - (c) res is dead after it (the scope names res only from (b) to (c), which bind it
    //   before any read), so its element leaves unmarked when res and it are unshared
    //   (IndexTake/FieldTake) and h keeps it so (SetLocalOwned/SetGlobalOwned).
    // As with a lend's several updates, this needs a sole program with no `attempt`
    // (several_updates_unseen_): an error between (b) and (c) ends the program, so h, changed
    // by the call but not yet stored back, is never seen. h and res are out of every chant's
    // reach: locals of a chant that makes no chants, or top-level variables that no chant
    // names (h: undo_top_level_moves; res: named_in_chants_).

    // Notes every (b) and (c) in `body` (a scope, or the should/whilst bodies in it).
    void note_pack_moves_in(ast::Block body, ast::Block scope, const NameSet* named_elsewhere) {
        if (!several_updates_unseen_) return;
        for (std::size_t i = 0; i < body.size(); ++i) {
            if (auto* sh = body[i]->get_if<ast::ShouldStmt>()) {
                note_pack_moves_in(sh->then_body, scope, named_elsewhere);
                note_pack_moves_in(sh->otherwise_body, scope, named_elsewhere);
            } else if (auto* w = body[i]->get_if<ast::WhilstStmt>()) {
                note_pack_moves_in(w->body, scope, named_elsewhere);
            }
            auto* b = body[i]->get_if<ast::BindStmt>();
            auto* call = b ? b->value->get_if<ast::CallExpr>() : nullptr;
            if (!call || (named_elsewhere && named_elsewhere->count(b->name))) continue;
            for (std::size_t j = 0; j < call->arguments.size() && j < 32; ++j) {
                auto* h = call->arguments[j]->get_if<ast::IdentifierExpr>();
                if (!h || h->name == b->name) continue;
                bool mentions = false, captures = false;
                uses_name(*call->callee, h->name, mentions, captures);
                for (std::size_t a = 0; a < call->arguments.size(); ++a) {
                    if (a != j) uses_name(*call->arguments[a], h->name, mentions, captures);
                }
                if (mentions || captures) continue;
                std::size_t k = i + 1;
                for (; k < body.size() && !takes_apart(*body[k], h->name, b->name); ++k) {
                    uses_name(*body[k], h->name, mentions, captures);
                    if (mentions || captures || leaves_early(*body[k], 0)) break;
                }
                if (k >= body.size() || !takes_apart(*body[k], h->name, b->name)) continue;
                own_.assign(body.begin() + static_cast<std::ptrdiff_t>(i),
                            body.begin() + static_cast<std::ptrdiff_t>(k) + 1);
                if (names_elsewhere(scope, b->name, own_)) continue;
                pack_moves_[b] = static_cast<std::uint32_t>(j);
                pack_takes_[body[k]] = true;
                break;
            }
        }
    }

    // A part taken into a new variable:
    //     bind r to partition(arr, lo, hi)    r holds the result, owned (calls that move)
    //     weave a as r[0]                     (d) the take
    //     bind p to r[1]                      later reads of r's other parts only
    //     set a to sort(a, lo, p - 1)         a updated in place
    // As written, (d) marks the list shared, so the next in-place update of a copies it, and
    // a quicksort whose partition hands back [list, pivot] copied the whole list at every
    // call. r's part K is never read again, so (d) takes it unmarked (IndexTake/FieldTake)
    // when r and it are unshared; r still holds it, unread. That needs (d) directly in a
    // chant or for-each body that binds r before it, and every later mention of r there a
    // read `r[K']` of another literal index or `r.g` of another field; a sole program with
    // no `attempt` (an error ends it, so no handler reads r), and r a local of a chant that
    // makes no chants (fresh_take_here).
    void note_fresh_takes(ast::Block scope) {
        for (std::size_t k = 1; k < scope.size(); ++k) {
            auto* d = scope[k]->get_if<ast::BindStmt>();
            const ast::Expr* object = d ? taken_from(*d->value) : nullptr;
            auto* r = object ? object->get_if<ast::IdentifierExpr>() : nullptr;
            if (!r || r->name == d->name) continue;
            bool bound_before = false;
            for (std::size_t i = 0; i < k; ++i) {
                auto* b = scope[i]->get_if<ast::BindStmt>();
                bound_before |= b && b->name == r->name;
            }
            if (bound_before && only_other_parts_read(scope.subspan(k + 1), r->name, *d->value))
                fresh_takes_[d] = true;
        }
    }

    // Every mention of `r` in `after` is a read of a part of it other than `taken`'s.
    static bool only_other_parts_read(ast::Block after, std::string_view r,
                                      const ast::Expr& taken) {
        bool ok = true;
        std::size_t mentions = 0, other_parts = 0;
        // `r.f` and `r["f"]` are one entry of a map, `r[0]` and `r[0.5]` one element of a list.
        const auto other_part = [&](const ast::Expr& e) {
            const ast::Expr* object = taken_from(e);
            auto* id = object ? object->get_if<ast::IdentifierExpr>() : nullptr;
            return id && id->name == r && !same_part_read(e, taken);
        };
        for (const ast::Stmt* st : after) {
            ok &= for_each_part(
                *st,
                [&](const ast::Expr& e) {
                    for_each_expr(e, [&](const ast::Expr& x) {
                        if (auto* id = x.get_if<ast::IdentifierExpr>()) {
                            mentions += id->name == r;
                        } else if (x.is<ast::LambdaExpr>()) {
                            ok = false;
                        } else if (other_part(x)) {
                            ++other_parts;
                        }
                    });
                },
                [&](std::string_view bound) { ok &= bound != r; });
        }
        return ok && mentions == other_parts;
    }

    // Where a noted (d) may take: r a local of a chant that makes no chants, and the new
    // variable a local too.
    bool fresh_take_here(const ast::BindStmt& d) {
        if (!several_updates_unseen_ || fn_->is_grove || fn_->try_depth != 0 ||
            !fn_->makes_no_chants || at_global_scope()) {
            return false;
        }
        Resolution r = resolve(taken_from(*d.value)->as<ast::IdentifierExpr>().name);
        return r.kind == Resolved::Local && !r.maybe_unbound && !r.is_parameter;
    }

    // `set h to res[K]` or `set h to res.f` (K a literal): (c).
    static bool takes_apart(const ast::Stmt& st, std::string_view h, std::string_view res) {
        auto* set = st.get_if<ast::SetStmt>();
        auto* target = set ? set->target->get_if<ast::IdentifierExpr>() : nullptr;
        if (!target || target->name != h) return false;
        const ast::Expr* object = taken_from(*set->value);
        auto* id = object ? object->get_if<ast::IdentifierExpr>() : nullptr;
        return id && id->name == res;
    }

    // The container of a part a take may move out: c of `c[K]` (K a literal) or of `c.f`.
    static const ast::Expr* taken_from(const ast::Expr& value) {
        if (auto* ix = value.get_if<ast::IndexExpr>()) {
            const bool literal = ix->index->is<ast::NumberExpr>() || ix->index->is<ast::TextExpr>();
            return literal ? ix->object : nullptr;
        }
        if (auto* fx = value.get_if<ast::FieldExpr>()) return fx->object;
        return nullptr;
    }

    // With value's container on the stack: the take of its part (IndexTake/FieldTake), then
    // the store into h, which keeps the part unmarked when the take found it so.
    void take_into(const ast::Expr& value, const Resolution& h, SourceLocation at) {
        if (auto* ix = value.get_if<ast::IndexExpr>()) {
            expr(*ix->index);
            pos_ = value.location;
            emit(Op::IndexTake);
        } else {
            pos_ = value.location;
            emit(Op::FieldTake, name_constant(value.as<ast::FieldExpr>().field));
            extra(0);  // the field's index, cached by the VM
        }
        pos_ = at;
        emit(h.kind == Resolved::Local ? Op::SetLocalOwned : Op::SetGlobalOwned, h.index);
    }

    // (b) as noted, where h may still move here (it is a movable variable, see may_move).
    bool pack_may_move(const ast::BindStmt& b, std::uint32_t j) {
        if (fn_->is_grove || fn_->try_depth != 0) return false;
        const auto& call = b.value->as<ast::CallExpr>();
        const auto& h = call.arguments[j]->as<ast::IdentifierExpr>();
        Resolution r = resolve(h.name);
        if (r.kind == Resolved::Local && !r.is_mutable) return false;  // a parameter or bind
        return may_move(r) && (fn_->is_script || fn_->makes_no_chants);
    }

    void pack_moving(const ast::BindStmt& b, std::uint32_t j, bool want_value) {
        const auto& call = b.value->as<ast::CallExpr>();
        call_moving(call, j);
        pos_ = b.location;
        std::size_t store = emit(Op::SetLocalOwned, declare_local(b.name, b.is_mutable));
        if (fn_->is_script) {
            const auto& h = call.arguments[j]->as<ast::IdentifierExpr>();
            top_level_moves_.push_back(TopLevelMove{h.name, store - 1, store});
        }
        if (want_value) load(resolve(b.name));
    }

    // (c): res's element into h, unmarked when IndexTake/FieldTake finds it so.
    void take_stmt(const ast::SetStmt& s, const Resolution& h, bool want_value) {
        expr(*taken_from(*s.value));
        take_into(*s.value, h, s.location);
        if (want_value) load(h);
    }

    // (b) and (c) in one statement: `set h to pop(h)[1]` (or `.f`), the call's result taken
    // apart at once. h moves into the call as in `set h to f(h)` (moved_argument), and the
    // result, marked unless the callee returned it owned (ShareUnowned), gives up its element.
    bool taken_apart_call(const Resolution& r, const ast::IdentifierExpr& h,
                          const ast::Expr& value) {
        const ast::Expr* object = taken_from(value);
        return object && object->is<ast::CallExpr>() && moved_argument(r, h, *object);
    }

    void set_taken_apart(const ast::SetStmt& s, const Resolution& h, bool want_value) {
        const auto& id = s.target->as<ast::IdentifierExpr>();
        const auto& call = taken_from(*s.value)->as<ast::CallExpr>();
        call_moving(call, *moved_argument(h, id, call));
        const std::size_t moved_word = fn_->proto->code.size() - 1;
        emit(Op::ShareUnowned);
        take_into(*s.value, h, s.location);
        const std::size_t store = fn_->proto->code.size() - 1;
        if (fn_->is_script) top_level_moves_.push_back(TopLevelMove{id.name, moved_word, store});
        if (want_value) load(h);
    }

    // (a): `yield [.., h, ..]` or `yield S { .., f: h, .. }`, h a local of this chant (not a
    // parameter: a borrowed one is its caller's) named once in the literal. Emits the literal
    // with those values unmarked and returns true (the caller returns it owned), or emits
    // nothing.
    bool yield_literal_moving(const ast::Expr& value) {
        if (!several_updates_unseen_ || !fn_->makes_no_chants || fn_->is_grove ||
            fn_->try_depth != 0) {
            return false;
        }
        const ast::ListExpr* list = value.get_if<ast::ListExpr>();
        const ast::StructExpr* record = value.get_if<ast::StructExpr>();
        if (!list && !record) return false;
        const std::size_t n = list ? list->elements.size() : record->fields.size();
        const auto element = [&](std::size_t i) -> const ast::Expr& {
            return list ? *list->elements[i] : *record->fields[i].value;
        };
        std::uint32_t mask = bytecode::kNoMove;
        for (std::size_t i = 0; i < n && i < 32; ++i) {
            auto* id = element(i).get_if<ast::IdentifierExpr>();
            if (!id) continue;
            Resolution r = resolve(id->name);
            if (r.kind != Resolved::Local || r.maybe_unbound || r.is_parameter) continue;
            bool mentions = false, captures = false;
            for (std::size_t o = 0; o < n; ++o) {
                if (o != i) uses_name(element(o), id->name, mentions, captures);
            }
            if (!mentions && !captures) mask |= bytecode::moved_bit(static_cast<std::uint32_t>(i));
        }
        if (mask == bytecode::kNoMove) return false;
        if (list) {
            operands(list->elements, self_expr);
            pos_ = value.location;
            emit(Op::ListMoving, static_cast<std::uint32_t>(n), 1 - static_cast<int>(n));
            extra(mask);
            return true;
        }
        load(resolve(record->type_name));
        List* names = rt_.new_list(static_cast<std::uint32_t>(n));
        Vec<bool> later = later_calls(record->fields, init_expr);
        for (std::size_t i = 0; i < n; ++i) {
            names->items[names->length++] = Value::object(rt_.intern(record->fields[i].name));
            operand(*record->fields[i].value, later[i]);
        }
        pos_ = value.location;
        emit(Op::StructMoving, static_cast<std::uint32_t>(n), -static_cast<int>(n));
        extra(constant(Value::object(names)));
        extra(mask);
        return true;
    }

    // ------------------------------------------------------------ parts taken into a literal
    //
    // A record rebuilt whole around an update of one of its parts:
    //     set q to Queue { items: list_push(q.items, v), head: q.head }
    //     set st to {log: list_push(st["log"], v), n: st["n"] + 1}
    //     chant enqueue(q, v) then yield Queue { items: list_push(q.items, v), head: q.head } end
    //     chant dequeue(q) then yield Queue { items: q.items, head: q.head + 1 } end
    // As written, q.items is read and left in q, so list_push copies it, and the new record
    // marks what it stores, so the next round copies again: 40k such pushes took 1.34 s (Lua
    // 0.02 s). Yet q's old value is dead: the `set` overwrites it once the literal is made (the
    // yield ends the frame that holds it), and until then only the literal reads q, each time
    // a part other than the one taken (literal_takes.hpp). So the part is taken (FieldTake /
    // IndexTake: unmarked when q and it are unshared, else ShareUnowned marks it as the read
    // would), moved into its call (CallMove: list_push pushes in place) or straight into the
    // literal, and the literal stores it, and a result that nothing else holds (ShareUnowned
    // marks any other), unmarked (ListMoving / StructMoving / MapMoving). The new value is held
    // by nothing else: SetLocalOwned / SetGlobalOwned keep it unmarked, or the chant returns it
    // owned. The take changes nothing, and the call changes only the part, which no other part
    // of an unshared q holds, so reads of q's other parts before and after it are right.
    // Nothing else may read q meanwhile, nor after an error leaves the part changed, which is
    // what a move into a call needs (may_move): in a `set`, q is a local of a chant that no
    // chant made in it names, no `attempt` around, or a top-level variable of a sole program
    // (an error ends it) where no `attempt` is around and no chant names it: if one does, a
    // call could read q (undo_top_level_moves marks the part again). In a `yield`, q is a
    // local or parameter that dies with the frame (dead_after_yield), no `attempt` around; a
    // parameter must not be a borrowed one (its caller still holds the value; borrowed_params
    // drops a parameter whose part is taken so), and was moved in when it is unmarked.

    // The literal with its takes (value a list, map or struct literal); `name` is the variable
    // they take from at the top level (empty in a chant), whose takes undo_top_level_moves
    // may undo.
    void literal_taking(const ast::Expr& value, const LiteralTakes& takes, std::string_view name) {
        const std::size_t n = literal_size(value);
        const auto* map = value.get_if<ast::MapExpr>();
        const auto* record = value.get_if<ast::StructExpr>();
        List* names = nullptr;
        if (record) {
            load(resolve(record->type_name));
            names = rt_.new_list(static_cast<std::uint32_t>(n));
        }
        Vec<bool> later(n, false, memory_);
        for (std::size_t i = n; i-- > 1;)
            later[i - 1] = later[i] || may_call(literal_element(value, i));
        std::uint32_t mask = bytecode::kNoMove;
        for (std::size_t i = 0; i < n; ++i) {
            const ast::Expr& e = literal_element(value, i);
            if (record) {
                names->items[names->length++] = Value::object(rt_.intern(record->fields[i].name));
            }
            if (map) {
                pos_ = map->entries[i].location;
                emit(Op::Constant, name_constant(map->entries[i].name));
            }
            const std::uint32_t bit = bytecode::moved_bit(static_cast<std::uint32_t>(i));
            if (takes.parts & bit) {
                take_part(e, name);
            } else if (takes.calls & bit) {
                call_taking(e.as<ast::CallExpr>(), takes.argument[i], name);
            } else {
                operand(e, later[i]);
                continue;
            }
            // No call can reach what the take or the call left on the stack: no Share.
            mask |= bit;
        }
        pos_ = value.location;
        const auto count = static_cast<std::uint32_t>(n);
        if (record) {
            emit(Op::StructMoving, count, -static_cast<int>(count));
            extra(constant(Value::object(names)));
        } else if (map) {
            emit(Op::MapMoving, count, 1 - 2 * static_cast<int>(count));
        } else {
            emit(Op::ListMoving, count, 1 - static_cast<int>(count));
        }
        extra(mask);
    }

    // A part of a dead variable onto the stack, unmarked when the VM finds it the variable's
    // alone.
    void take_part(const ast::Expr& part, std::string_view name) {
        if (auto* ix = part.get_if<ast::IndexExpr>()) {
            expr(*ix->object);
            expr(*ix->index);
            pos_ = part.location;
            emit(Op::IndexTake);
        } else {
            const auto& fx = part.as<ast::FieldExpr>();
            expr(*fx.object);
            pos_ = fx.field_location;
            emit(Op::FieldTake, name_constant(fx.field));
            extra(0);  // the field's index, cached by the VM
        }
        const std::size_t share = emit(Op::ShareUnowned);
        if (fn_->is_script) top_level_takes_.push_back(TopLevelShare{name, share});
    }

    // `f(..., q.items, ...)` with argument `moved` the part taken and moved in; its result is
    // left marked unless nothing else holds it.
    void call_taking(const ast::CallExpr& call, std::uint32_t moved, std::string_view name) {
        expr(*call.callee);
        Vec<bool> later = later_calls(call.arguments, self_expr);
        for (std::size_t i = 0; i < call.arguments.size(); ++i) {
            if (i == moved) {
                take_part(*call.arguments[i], name);
            } else {
                operand(*call.arguments[i], later[i]);
            }
        }
        pos_ = call.location;
        const auto n = static_cast<std::uint32_t>(call.arguments.size());
        emit(Op::CallMove, n, -static_cast<int>(n));
        extra(bytecode::moved_bit(moved));
        emit(Op::ShareUnowned);
    }

    // `yield LITERAL` taking parts of this chant's dead locals (see above). Emits the literal
    // and returns true (the chant returns it owned), or emits nothing.
    bool yield_literal_taking(const ast::Expr& value) {
        if (fn_->is_grove || fn_->try_depth != 0 || literal_size(value) == 0) return false;
        const LiteralTakes takes = literal_takes(value, [&](std::string_view name) {
            std::optional<Resolution> r = dead_after_yield(name);
            if (!r) return false;
            return !r->is_parameter || r->index >= 32 || !(fn_->proto->borrowed >> r->index & 1u);
        });
        if (!takes.any()) return false;
        literal_taking(value, takes, {});
        return true;
    }

    // ------------------------------------------------------------ a chain of calls that move
    //
    // `set c to Present(list_push(present_or(c, []), v))`, or `set m to put(put(m, k, 1), j, 2)`:
    // c moves into the innermost call, as in `set c to f(c)` (calls that move), and each call's
    // result into the call around it, and into the wrapper (WrapMoving), unmarked when nothing
    // else holds it (ShareUnowned marks any other). A native whose moved first argument is an
    // unshared wrapper hands back its inner value owned (present_or(c, []) takes the list out of
    // c's Present), so list_push pushes in place. As written, present_or left the list in c and
    // list_push copied it, and the wrapper marked the copy: 40k pushes took 0.8 s. c is named
    // once in the value (so nothing reads the old value after it moved) and may move (may_move:
    // no call can reach it, no handler sees it after an error).

    // The outermost call of such a chain (a Wrap around it, or two calls at least: one alone
    // is a plain move), or null.
    const ast::CallExpr* moving_chain(const ast::IdentifierExpr& c, const ast::Expr& value) {
        const auto* wrap = value.get_if<ast::WrapExpr>();
        const auto* outer = (wrap ? *wrap->value : value).get_if<ast::CallExpr>();
        if (!outer) return nullptr;
        bool mentions = false, captures = false;
        std::size_t count = 0;
        for_each_expr(value, [&](const ast::Expr& x) {
            auto* id = x.get_if<ast::IdentifierExpr>();
            count += id && id->name == c.name;
        });
        uses_name(value, c.name, mentions, captures);
        if (count != 1 || captures) return nullptr;
        std::size_t depth = 0;
        for (const ast::CallExpr* call = outer; call;) {
            ++depth;
            const ast::Expr* next = nullptr;
            for (std::size_t k = 0; k < call->arguments.size(); ++k) {
                bool m = false, cap = false;
                uses_name(*call->arguments[k], c.name, m, cap);
                if (!m) continue;
                if (bytecode::moved_bit(static_cast<std::uint32_t>(k)) == 0) return nullptr;
                next = call->arguments[k];
            }
            if (!next) return nullptr;  // c is (in) the callee
            if (next->is<ast::IdentifierExpr>()) break;
            call = next->get_if<ast::CallExpr>();
            if (!call) return nullptr;  // c inside some other expression
        }
        return wrap || depth >= 2 ? outer : nullptr;
    }

    // Emits the chain; returns the innermost CallMove's mask word (the move of c).
    std::size_t call_chain(const ast::CallExpr& call, std::string_view name) {
        expr(*call.callee);
        Vec<bool> later = later_calls(call.arguments, self_expr);
        std::optional<std::size_t> moved_word;
        std::uint32_t moved = 0;
        for (std::size_t k = 0; k < call.arguments.size(); ++k) {
            const ast::Expr& a = *call.arguments[k];
            bool mentions = false, captures = false;
            uses_name(a, name, mentions, captures);
            if (!mentions) {
                operand(a, later[k]);
                continue;
            }
            // No call can reach c, nor what an inner call left: no Share.
            moved = static_cast<std::uint32_t>(k);
            if (a.is<ast::IdentifierExpr>()) {
                expr(a);
            } else {
                moved_word = call_chain(a.as<ast::CallExpr>(), name);
                emit(Op::ShareUnowned);
            }
        }
        pos_ = call.location;
        const auto n = static_cast<std::uint32_t>(call.arguments.size());
        emit(Op::CallMove, n, -static_cast<int>(n));
        extra(bytecode::moved_bit(moved));
        return moved_word ? *moved_word : fn_->proto->code.size() - 1;
    }

    // ------------------------------------------------------------ element updates through a local
    //
    // A script that cannot `set grid[y][x]` (nested targets) writes
    //     weave row as grid[y]       (1) lend
    //     set row[x] to v            (2) one in-place update of row
    //     set grid[y] to row         (3) move back
    // and, were (1) to mark the element shared as any bind does, (2) would copy the whole row
    // at every update. Nothing can read grid[y] between (1) and (3) here: (2) cannot call, names
    // neither grid nor (in its key) row, and its only change to the element is its last act, so
    // an error in (2) leaves grid[y] as it was; (3) cannot fail (grid and the key are as (1) found
    // them). So (1) lends the element to row unmarked when grid and the element are unshared
    // (Op::LendIndex / LendField check), and (3) stores row's value back unmarked (MoveIndexVar /
    // MoveFieldVar) because row is dead after it: a block that opens a scope (a for-each or chant
    // body) that names row nowhere after (3) and makes no chant that could capture it.
    // (1) `weave row as m.f` with (3) `set m["f"] to row` is the same update of a map's entry
    // (field_as_key).

    // Notes every (1)..(3) above in `scope` (a for-each or chant body), directly or in the
    // should/otherwise/whilst bodies in it (which open no scope): lends_, moves_.
    void note_element_updates(ast::Block scope) {
        for (const ast::Stmt* st : scope) {
            bool mentions = false, captures = false;
            uses_name(*st, {}, mentions, captures);
            if (captures) return;
        }
        note_element_updates_in(scope, scope);
        if (fn_->is_script || fn_->makes_no_chants) note_pack_moves_in(scope, scope, nullptr);
        if (several_updates_unseen_ && fn_->makes_no_chants) note_fresh_takes(scope);
    }

    // The same at the top level of a sole program (compiler.hpp), whose whilst bodies open no
    // scope: there row would be a global, read by any chant that names it and kept after an
    // error. So row becomes a local of the top level's frame instead (lend_stmt declares it)
    // when no chant names it (named_in_chants_, which also stands for the REPL inputs and host
    // reads that a sole program has none of) and the top level names it nowhere else.
    void note_top_level_element_updates(ast::Block program) {
        note_element_updates_in(program, program, &named_in_chants_);
        note_pack_moves_in(program, program, &named_in_chants_);
    }

    void note_element_updates_in(ast::Block body, ast::Block scope,
                                 const NameSet* named_elsewhere = nullptr) {
        for (std::size_t i = 0; i < body.size(); ++i) {
            if (auto* sh = body[i]->get_if<ast::ShouldStmt>()) {
                note_element_updates_in(sh->then_body, scope, named_elsewhere);
                note_element_updates_in(sh->otherwise_body, scope, named_elsewhere);
            } else if (auto* w = body[i]->get_if<ast::WhilstStmt>()) {
                note_element_updates_in(w->body, scope, named_elsewhere);
            }
            // The lend is `weave row as x[k]` (1), or, for a bucket that may not be in x yet,
            //     weave row as INIT                 (0)
            //     should C then set row to x[k] end (1) in the then body, no otherwise
            // or
            //     should C then weave row as x[k] otherwise weave row as INIT end
            // where C runs before the lend and (3) stores INIT's value when C was false.
            const ast::Stmt* lend = nullptr;
            const ast::Stmt* init = nullptr;
            InPlaceCall lent;  // `weave row as list_push(x[k], v)`: the push, its first update
            std::string_view row;
            const ast::Expr* source = nullptr;
            std::size_t next = i + 1;
            bool fixed_row = false;
            if (const ast::BindStmt* b = bucket_in_branches(*body[i]); b && !named_elsewhere) {
                init = body[i];  // the whole should: its otherwise binds INIT
                lend = b;
                row = b->name;
                source = b->value;
            } else if (auto* b = body[i]->get_if<ast::BindStmt>(); b && !b->is_mutable) {
                // `bind row to x[k]`: row cannot change, so only (3) through a call may follow
                // (checked below), as in `set x[k] to list_push(row, v)`.
                fixed_row = true;
                lend = b;
                row = b->name;
                source = b->value;
            } else if (b && b->is_mutable) {
                lend = b;
                row = b->name;
                source = b->value;
                if (InPlaceCall c = lent_call(*b->value, row); c.call) {
                    lent = c;
                    source = c.call->arguments[0];
                } else if (!lend_source(*source) && !named_elsewhere && i + 1 < body.size()) {
                    auto* sh = body[i + 1]->get_if<ast::ShouldStmt>();
                    auto* set = sh && sh->then_body.size() == 1 && sh->otherwise_body.empty()
                                    ? sh->then_body[0]->get_if<ast::SetStmt>()
                                    : nullptr;
                    auto* target = set ? set->target->get_if<ast::IdentifierExpr>() : nullptr;
                    bool mentions = false, captures = false;
                    uses_name(*b->value, row, mentions, captures);
                    if (!target || target->name != row || mentions) continue;
                    init = b;
                    lend = set;
                    source = set->value;
                    next = i + 2;
                }
            }
            if (!lend || next >= body.size()) continue;
            if (named_elsewhere && named_elsewhere->count(row)) continue;
            // (1): x[k] or x.f, x a name other than row, k an operator expression of names and
            // literals not naming row.
            std::optional<LendSource> from = lend_source(*source);
            if (!from) continue;
            if (from->key) {
                bool mentions = false, captures = false;
                uses_name(*from->key, row, mentions, captures);
                if (mentions) continue;
            }
            auto* x = from->object->get_if<ast::IdentifierExpr>();
            if (!x || x->name == row) continue;
            // (3): set x[k] to row / set x.f to row, the same k.
            // ... or, where no call can reach x, `set x[k] to f(..., row, ...)`: row moves into
            // the call and the result is stored back (moved_back_calls_).
            // At a sole program's top level, a for-each body's x and key may be the top level's
            // variables that no chant names.
            const bool x_unreachable =
                several_updates_unseen_ &&
                (named_elsewhere  ? !named_elsewhere->count(x->name)
                 : fn_->is_script ? !named_in_chants_.count(x->name) && top_level_key(from->key) &&
                                        resolve(x->name).kind != Resolved::Upvalue
                                  : uncaptured_local(x->name) && weaves_before(body, i, x->name));
            std::optional<std::uint32_t> back_call;
            bool back_by_key = false;
            auto stores_back = [&](const ast::Stmt& st) {
                auto* back = st.get_if<ast::SetStmt>();
                if (!back) return false;
                auto* value = back->value->get_if<ast::IdentifierExpr>();
                back_call = std::nullopt;
                if (!value && x_unreachable) back_call = row_moved_into(*back->value, row, x->name);
                if (!back_call && (!value || value->name != row)) return false;
                auto* bx = back->target->get_if<ast::IndexExpr>();
                if (from->key) {
                    return bx && same_name(*bx->object, *from->object) &&
                           same_pure_expr(*bx->index, *from->key, 0);
                }
                back_by_key = field_as_key(*from->object, from->field, *back->target);
                if (back_by_key) return true;
                auto* bf = back->target->get_if<ast::FieldExpr>();
                return bf && bf->field == from->field && same_name(*bf->object, *from->object);
            };
            // (2): body[next] up to (3). Only the first update may read x: after it, x[k] is
            // row's changed value, where a copy would have left it as it was.
            std::size_t end = next;
            const std::size_t first = lent.call ? next - 1 : next;  // the first update's place
            while (end < body.size() && !stores_back(*body[end]) &&
                   (in_place_update_stmt(*body[end], row, x->name, end == first) ||
                    (several_updates_unseen_ && unseen_update_stmt(*body[end], row, x->name)))) {
                ++end;
            }
            if (end >= body.size() || !stores_back(*body[end])) continue;
            // No update between (1) and (3): worth it only when (3) moves row into a call, and
            // all a `bind` row allows.
            if (end == first && !back_call) continue;
            if (fixed_row && end != first) continue;
            if (end - first > 1 && !several_updates_unseen_) continue;
            // row is dead after (3): the scope names it nowhere else.
            own_.clear();
            own_.push_back(init ? body[i] : lend);
            if (init && next == i + 2) own_.push_back(body[i + 1]);
            for (std::size_t u = next; u <= end; ++u)
                own_.push_back(body[u]);
            if (names_elsewhere(scope, row, own_)) continue;
            lends_[lend] = back_by_key;
            if (lent.call) lent_calls_[lend] = lent;
            moves_[body[end]] = true;
            if (back_call) moved_back_calls_[body[end]] = *back_call;
            i = end;
        }
    }

    // Whether no chant can change a name in `key` (none, or a sole program's top-level names
    // that no chant names): computed again for the store back, it has the same value.
    bool top_level_key(const ast::Expr* key) const {
        if (!key) return true;
        bool named = false;
        for_each_expr(*key, [&](const ast::Expr& e) {
            if (auto* id = e.get_if<ast::IdentifierExpr>())
                named |= named_in_chants_.count(id->name);
        });
        return !named;
    }

    // `f(..., row, ...)`, row named once and x not at all: row's place.
    static std::optional<std::uint32_t> row_moved_into(const ast::Expr& value, std::string_view row,
                                                       std::string_view x) {
        auto* call = value.get_if<ast::CallExpr>();
        if (!call) return std::nullopt;
        bool mentions = false, captures = false;
        uses_name(*call->callee, row, mentions, captures);
        uses_name(*call->callee, x, mentions, captures);
        std::optional<std::uint32_t> at;
        for (std::size_t a = 0; a < call->arguments.size(); ++a) {
            auto* id = call->arguments[a]->get_if<ast::IdentifierExpr>();
            if (id && id->name == row && !at && a < 32) {
                at = static_cast<std::uint32_t>(a);
                continue;
            }
            uses_name(*call->arguments[a], row, mentions, captures);
            uses_name(*call->arguments[a], x, mentions, captures);
        }
        if (mentions || captures) return std::nullopt;
        return at;
    }

    // A `weave name` among body[0, i): in a chant's own body, a local of the chant there.
    static bool weaves_before(ast::Block body, std::size_t i, std::string_view name) {
        for (std::size_t k = 0; k < i; ++k) {
            auto* b = body[k]->get_if<ast::BindStmt>();
            if (b && b->is_mutable && b->name == name) return true;
        }
        return false;
    }

    // (1) and a first update in one: `weave row as list_push(x[k], v)` (v read-only, not
    // naming row) or `weave row as list_pop(x.f)`, the builtins, in a sole program. The lend
    // gives row x[k] and the call then pushes or pops in place on row, as
    // `set row to list_push(row, v)` would: a helper that grows a record's list into a local
    // (`weave h as list_push(t.items, v)` ... `set t.items to h`) no longer copies the list.
    InPlaceCall lent_call(const ast::Expr& value, std::string_view row) {
        auto* call = value.get_if<ast::CallExpr>();
        auto* callee = call ? call->callee->get_if<ast::IdentifierExpr>() : nullptr;
        if (!callee || call->arguments.empty() || !lend_source(*call->arguments[0])) return {};
        if (callee->name == "list_push" && call->arguments.size() == 2 &&
            names_builtin_among("list_push", [](NativeFn f) { return f == builtin_list_push; }) &&
            read_only_expr(*call->arguments[1], row)) {
            return {call};
        }
        if (callee->name == "list_pop" && call->arguments.size() == 1 &&
            names_builtin_among("list_pop", [](NativeFn f) { return f == builtin_list_pop; })) {
            return {call, Op::ListPopVar, "list_pop"};
        }
        return {};
    }

    // `should C then weave row as x[k] otherwise weave row as INIT end` (INIT not naming row):
    // the then branch's `weave`, else nullptr.
    static const ast::BindStmt* bucket_in_branches(const ast::Stmt& st) {
        auto* sh = st.get_if<ast::ShouldStmt>();
        if (!sh || sh->then_body.size() != 1 || sh->otherwise_body.size() != 1) return nullptr;
        auto* lend = sh->then_body[0]->get_if<ast::BindStmt>();
        auto* init = sh->otherwise_body[0]->get_if<ast::BindStmt>();
        if (!lend || !init || !lend->is_mutable || !init->is_mutable || lend->name != init->name)
            return nullptr;
        bool mentions = false, captures = false;
        uses_name(*init->value, lend->name, mentions, captures);
        return mentions ? nullptr : lend;
    }

    // `x["f"]` where a lend read x.f: a map's entry is read either way but set only with
    // brackets (LANGUAGE.md §6), so `weave h as m.f` ... `set m["f"] to h` is how a script
    // updates a map's list through a local. The lend is then from a Map only (LendField).
    static bool field_as_key(const ast::Expr& object, std::string_view field,
                             const ast::Expr& target) {
        auto* bx = target.get_if<ast::IndexExpr>();
        auto* key = bx ? bx->index->get_if<ast::TextExpr>() : nullptr;
        return key && key->value == field && same_name(*bx->object, object);
    }

    // What a lend reads: x[k] (k an expression of names and literals that cannot call) or x.f.
    struct LendSource {
        const ast::Expr* object;
        const ast::Expr* key = nullptr;
        std::string_view field = {};
    };
    static std::optional<LendSource> lend_source(const ast::Expr& value) {
        if (auto* ix = value.get_if<ast::IndexExpr>()) {
            if (!same_pure_expr(*ix->index, *ix->index, 0)) return std::nullopt;
            return LendSource{ix->object, ix->index};
        }
        if (auto* fx = value.get_if<ast::FieldExpr>())
            return LendSource{fx->object, nullptr, fx->field};
        return std::nullopt;
    }

    // True when `b` names `name` outside the statements `own` (which it may hold directly or in
    // its should/otherwise/whilst bodies). A for-each body is a scope of its own: its loop
    // variable, or a bind among its own statements, hides `name` from there on. When `scoped`,
    // `b` is such a body.
    static bool names_elsewhere(ast::Block b, std::string_view name,
                                std::span<const ast::Stmt* const> own, bool scoped = false) {
        bool mentions = false, captures = false;
        for (const ast::Stmt* st : b) {
            if (std::find(own.begin(), own.end(), st) != own.end()) continue;
            if (auto* sh = st->get_if<ast::ShouldStmt>()) {
                uses_name(*sh->condition, name, mentions, captures);
                if (names_elsewhere(sh->then_body, name, own) ||
                    names_elsewhere(sh->otherwise_body, name, own)) {
                    return true;
                }
            } else if (auto* w = st->get_if<ast::WhilstStmt>()) {
                uses_name(*w->condition, name, mentions, captures);
                if (names_elsewhere(w->body, name, own)) return true;
            } else if (auto* fe = st->get_if<ast::ForEachStmt>()) {
                uses_name(*fe->iterable, name, mentions, captures);
                if (fe->variable != name && names_elsewhere(fe->body, name, own, true)) return true;
            } else if (auto* bind = st->get_if<ast::BindStmt>();
                       bind && scoped && bind->name == name) {
                uses_name(*bind->value, name, mentions, captures);
                return mentions;  // later statements see this scope's own `name`
            } else {
                uses_name(*st, name, mentions, captures);
            }
            if (mentions) return true;
        }
        return false;
    }

    // (2) as a statement: one in-place update of row (in_place_update_of), or a choice of them,
    //     should C then set row[k] to v otherwise set row[k] to w end
    // (an `otherwise` of one such update or one such should, or none), C a read (read_only_expr)
    // that may name x and row: C runs before any change, and then one update runs, whose change
    // is its last act, so (2) still changes the element at most once, at its very end.
    bool in_place_update_stmt(const ast::Stmt& st, std::string_view row, std::string_view x,
                              bool may_read_x) {
        if (auto* set = st.get_if<ast::SetStmt>())
            return in_place_update_of(*set, row, x, may_read_x);
        auto* sh = st.get_if<ast::ShouldStmt>();
        if (!sh || !read_only_expr(*sh->condition, may_read_x ? std::string_view{} : x) ||
            sh->then_body.size() != 1) {
            return false;
        }
        auto* then = sh->then_body[0]->get_if<ast::SetStmt>();
        if (!then || !in_place_update_of(*then, row, x, may_read_x)) return false;
        return sh->otherwise_body.empty() ||
               (sh->otherwise_body.size() == 1 &&
                in_place_update_stmt(*sh->otherwise_body[0], row, x, may_read_x));
    }

    // In a sole program with no `attempt` (several_updates_unseen_), (2) may also hold any
    // statement that cannot let anyone see x meanwhile and keeps row the lent variable: it
    // names no x, makes no chant, binds no new row, runs no script code (it calls only
    // builtins that run none, runs_no_script_code), and cannot leave before (3) (no yield; a
    // break or continue only of a loop inside it). An error ends the program, so it cannot
    // leave that way either. So a helper may lend a record's list to a local and run a whole
    // sift-down loop on it before storing it back:
    //     weave h as t.items  ...  whilst ... set h[i] to h[m] ... end  ...  set t.items to h
    bool unseen_update_stmt(const ast::Stmt& st, std::string_view row, std::string_view x,
                            int loops = 0) {
        bool mentions = false, captures = false;
        uses_name(st, x, mentions, captures);
        if (mentions || captures) return false;
        const auto plain = [&](const ast::Expr& e) {
            return read_only_expr(e, x, runs_no_script_code);
        };
        const auto all = [&](ast::Block b, int depth) {
            for (const ast::Stmt* s : b) {
                if (!unseen_update_stmt(*s, row, x, depth)) return false;
            }
            return true;
        };
        switch (st.kind) {
            case ast::StmtKind::Expression: {  // println(...) of anything but x
                auto* call = st.as<ast::ExpressionStmt>().expression->get_if<ast::CallExpr>();
                auto* callee = call ? call->callee->get_if<ast::IdentifierExpr>() : nullptr;
                if (!callee || !names_builtin_among(callee->name, is_print_builtin)) return false;
                for (const ast::Expr* a : call->arguments) {
                    if (!plain(*a)) return false;
                }
                return true;
            }
            case ast::StmtKind::Bind:
                return st.as<ast::BindStmt>().name != row && plain(*st.as<ast::BindStmt>().value);
            case ast::StmtKind::Set: {
                const auto& set = st.as<ast::SetStmt>();
                const ast::Expr* target = set.target;
                if (auto* ix = target->get_if<ast::IndexExpr>()) {
                    if (!plain(*ix->index)) return false;
                    target = ix->object;
                } else if (auto* fx = target->get_if<ast::FieldExpr>()) {
                    target = fx->object;
                }
                return target->is<ast::IdentifierExpr>() && plain(*set.value);
            }
            case ast::StmtKind::Should: {
                const auto& sh = st.as<ast::ShouldStmt>();
                return plain(*sh.condition) && all(sh.then_body, loops) &&
                       all(sh.otherwise_body, loops);
            }
            case ast::StmtKind::Whilst: {
                const auto& w = st.as<ast::WhilstStmt>();
                return plain(*w.condition) && all(w.body, loops + 1);
            }
            case ast::StmtKind::ForEach: {
                const auto& fe = st.as<ast::ForEachStmt>();
                const ast::Expr& in = *fe.iterable;
                const bool iterable = in.is<ast::RangeExpr>()
                                          ? plain(*in.as<ast::RangeExpr>().start) &&
                                                plain(*in.as<ast::RangeExpr>().end)
                                          : plain(in);
                return fe.variable != row && iterable && all(fe.body, loops + 1);
            }
            case ast::StmtKind::Break:
            case ast::StmtKind::Continue:
                return loops > 0;
            default:
                return false;
        }
    }

    // One update of (2): `set row[e] to v`, `set row.f to v`, `set row to list_push(row, v)`
    // (list_push the builtin) or an element push or pop of row, e and v operator expressions
    // of names and literals (no call) not naming x, or when `may_read_x`, e read-only and v a
    // scalar_read.
    bool in_place_update_of(const ast::SetStmt& s, std::string_view row, std::string_view x,
                            bool may_read_x) {
        const ast::Expr* root = s.target;
        const ast::Expr* value = s.value;
        if (auto* ix = s.target->get_if<ast::IndexExpr>()) {
            // The first update's key may read x too (`set b[s.n] to v`): it is computed before
            // the update changes anything.
            if (!(may_read_x ? read_only_expr(*ix->index, {}) : plain_expr_without(*ix->index, x)))
                return false;
            root = ix->object;
        } else if (auto* fx = s.target->get_if<ast::FieldExpr>()) {
            root = fx->object;
        } else {
            auto* id = s.target->get_if<ast::IdentifierExpr>();
            if (!id || id->name != row) return false;
            auto* call = s.value->get_if<ast::CallExpr>();
            auto* callee = call ? call->callee->get_if<ast::IdentifierExpr>() : nullptr;
            if (!callee || callee->name != "list_push" || call->arguments.size() != 2 ||
                !same_name(*call->arguments[0], *s.target) ||
                !names_builtin("list_push", &builtin_list_push, redefines_list_push_)) {
                return false;
            }
            value = call->arguments[1];
        }
        auto* r = root->get_if<ast::IdentifierExpr>();
        if (!r || r->name != row) return false;
        // `set row.f to list_push(row.f, v)` pushes in place too (element_push_pattern), and
        // `set row.f to list_pop(row.f)` pops in place.
        if (value == s.value && s.target != root) {
            if (const ast::CallExpr* push = element_push_pattern(*s.target, *s.value))
                value = push->arguments[1];
            if (element_pop_pattern(*s.target, *s.value)) return true;
        }
        return plain_expr_without(*value, x) ||
               (may_read_x && (scalar_read(*value) || nested_read(*value)));
    }

    // An element of an element, `x[i][j]` or deeper (or fields), keys read_only_expr: as the
    // value of the first update it cannot be the lent element, which nothing but x's slot
    // holds (the lend is made only when it is unshared), nor hold it. So
    // `set row[k] to grid[1][k]` (a transpose in place) lends as `grid[1][k] + 0` did; a read
    // one level down, `grid[1]`, could be the lent row itself and still copies.
    bool nested_read(const ast::Expr& e) {
        int levels = 0;
        const ast::Expr* at = &e;
        for (;; ++levels) {
            if (auto* ix = at->get_if<ast::IndexExpr>()) {
                if (!read_only_expr(*ix->index, {})) return false;
                at = ix->object;
            } else if (auto* fx = at->get_if<ast::FieldExpr>()) {
                at = fx->object;
            } else {
                break;
            }
        }
        return levels >= 2 && at->is<ast::IdentifierExpr>();
    }

    // A value that reads x (the lent element's container) yet cannot be x, the element or
    // anything in them: the result of an operator (a new Number, Text or Truth: `+` takes
    // only two Numbers or two Texts, LANGUAGE.md §5) or of a pure scalar builtin, over reads
    // only. So `set row[j] to dp[i - 1][j - 1] + 1` or `max(dp[i - 1][j], row[j - 1])` in a
    // dynamic-programming table. Before the update stores it, nothing has changed, so the
    // reads see what they would have seen with row a copy.
    bool scalar_read(const ast::Expr& e) {
        const bool scalar = e.kind == ast::ExprKind::Binary || e.kind == ast::ExprKind::Unary ||
                            e.kind == ast::ExprKind::Call;
        return scalar && read_only_expr(e, {});
    }

    // True when `e` is made of literals, names, operators, index and field reads and calls of
    // builtins that `calls` accepts (by default the pure scalar ones,
    // runtime::is_pure_scalar_builtin: they run no script code, change nothing and keep nothing
    // they read), the builtin sure to be one where the call runs (names_builtin_among). When
    // `without` is not empty, `e` must not name it either; with `calls` null, no call at all.
    bool read_only_expr(const ast::Expr& e, std::string_view without,
                        bool (*calls)(NativeFn) = is_pure_scalar_builtin) {
        switch (e.kind) {
            case ast::ExprKind::Number:
            case ast::ExprKind::Text:
            case ast::ExprKind::Truth:
            case ast::ExprKind::Nothing:
            case ast::ExprKind::Absent:
                return true;
            case ast::ExprKind::Identifier:
                return without.empty() || e.as<ast::IdentifierExpr>().name != without;
            case ast::ExprKind::Unary:
                return read_only_expr(*e.as<ast::UnaryExpr>().operand, without, calls);
            case ast::ExprKind::Binary: {
                const ast::Expr* at = &e;
                for (; at->kind == ast::ExprKind::Binary; at = at->as<ast::BinaryExpr>().left) {
                    if (!read_only_expr(*at->as<ast::BinaryExpr>().right, without, calls))
                        return false;
                }
                return read_only_expr(*at, without, calls);
            }
            case ast::ExprKind::Index: {
                const auto& ix = e.as<ast::IndexExpr>();
                return read_only_expr(*ix.object, without, calls) &&
                       read_only_expr(*ix.index, without, calls);
            }
            case ast::ExprKind::Field:
                return read_only_expr(*e.as<ast::FieldExpr>().object, without, calls);
            case ast::ExprKind::Call: {
                const auto& call = e.as<ast::CallExpr>();
                auto* callee = call.callee->get_if<ast::IdentifierExpr>();
                if (!calls || !callee || !names_builtin_among(callee->name, calls)) return false;
                for (const ast::Expr* a : call.arguments) {
                    if (!read_only_expr(*a, without, calls)) return false;
                }
                return true;
            }
            default:
                return false;
        }
    }

    // borrowed_params' ReaderCall: a read-only builtin, or a top-level chant that only reads
    // (borrowed_params of its own, worked out once). A chant calling itself (`find(parent,
    // parent[x])`) is assumed to read what it passes on, and the assumption narrowed until the
    // analysis agrees with it: each call of it then runs as the body says, to any depth. A
    // chant still being worked out that is not the innermost (mutual recursion) counts as one
    // that may do more.
    std::optional<std::uint32_t> reader_call(std::string_view name) {
        if (names_builtin_among(name, is_read_only_builtin)) return ~0u;
        auto chant = top_level_chants_.find(name);
        if (!sole_program_ || bound_twice_.count(name) || chant == top_level_chants_.end())
            return std::nullopt;
        const ast::Function* f = chant->second;
        if (f == reading_) return reading_assumed_;
        if (auto known = reader_masks_.find(f); known != reader_masks_.end()) return known->second;
        reader_masks_[f] = std::nullopt;  // while it is worked out
        const ast::Function* outer = reading_;
        const std::optional<std::uint32_t> outer_assumed = reading_assumed_;
        reading_ = f;
        reading_assumed_ = ~0u;
        std::optional<std::uint32_t> mask;
        for (;;) {
            mask = borrowed_params(*f, reader_call_);
            if (!mask || *mask == *reading_assumed_) break;
            reading_assumed_ = mask;
        }
        reading_ = outer;
        reading_assumed_ = outer_assumed;
        reader_masks_[f] = mask;
        return mask;
    }

    // In a sole program, `name` is a builtin that `kind` accepts wherever it is read: its
    // global is that builtin and the program binds the name nowhere (bound_names_). Elsewhere
    // never: a later REPL input or host script could rebind it after this code is compiled.
    bool names_builtin_among(std::string_view name, bool (*kind)(NativeFn)) {
        if (!sole_program_ || bound_names_.count(name)) return false;
        Value g = rt_.get_global(name);
        return is_kind(g, ObjectKind::Native) && kind(static_cast<Native*>(g.as_object())->fn);
    }

    // True when `e` is made of literals, names, operators, index and field reads only (it
    // cannot call, so it runs no script code) and does not name `x`.
    bool plain_expr_without(const ast::Expr& e, std::string_view x) {
        return read_only_expr(e, x, nullptr);
    }

    // Sets `mentions` when `e` names `name` anywhere, `captures` when it makes a chant.
    static void uses_name(const ast::Expr& e, std::string_view name, bool& mentions,
                          bool& captures) {
        for_each_expr(e, [&](const ast::Expr& x) {
            if (auto* id = x.get_if<ast::IdentifierExpr>()) {
                mentions |= id->name == name;
            } else if (auto* st = x.get_if<ast::StructExpr>()) {
                mentions |= st->type_name == name;
            } else if (x.is<ast::LambdaExpr>()) {
                captures = true;
            }
        });
    }

    static void uses_name(ast::Block b, std::string_view name, bool& mentions, bool& captures) {
        for (const ast::Stmt* s : b)
            uses_name(*s, name, mentions, captures);
    }

    // Calls on_expr(e) for each expression of `s` and of the statements inside it, and
    // on_name(n) for each name a `bind` or loop variable there binds. Returns false, having
    // visited nothing, for a statement that defines a chant or brings in names (chant, embody,
    // grove, summon, gather).
    template <class OnExpr, class OnName>
    static bool for_each_part(const ast::Stmt& s, OnExpr&& on_expr, OnName&& on_name) {
        const auto block = [&](ast::Block b) {
            bool whole = true;
            for (const ast::Stmt* st : b)
                whole &= for_each_part(*st, on_expr, on_name);
            return whole;
        };
        switch (s.kind) {
            case ast::StmtKind::Expression:
                on_expr(*s.as<ast::ExpressionStmt>().expression);
                return true;
            case ast::StmtKind::Bind:
                on_name(s.as<ast::BindStmt>().name);
                on_expr(*s.as<ast::BindStmt>().value);
                return true;
            case ast::StmtKind::Set:
                on_expr(*s.as<ast::SetStmt>().target);
                on_expr(*s.as<ast::SetStmt>().value);
                return true;
            case ast::StmtKind::Should:
                on_expr(*s.as<ast::ShouldStmt>().condition);
                return block(s.as<ast::ShouldStmt>().then_body) &&
                       block(s.as<ast::ShouldStmt>().otherwise_body);
            case ast::StmtKind::Whilst:
                on_expr(*s.as<ast::WhilstStmt>().condition);
                return block(s.as<ast::WhilstStmt>().body);
            case ast::StmtKind::ForEach:
                on_name(s.as<ast::ForEachStmt>().variable);
                on_expr(*s.as<ast::ForEachStmt>().iterable);
                return block(s.as<ast::ForEachStmt>().body);
            case ast::StmtKind::Yield:
                on_expr(*s.as<ast::YieldStmt>().value);
                return true;
            case ast::StmtKind::Match: {
                const auto& m = s.as<ast::MatchStmt>();
                on_expr(*m.subject);
                bool whole = true;
                for (const ast::MatchArm& arm : m.arms)
                    whole &= block(arm.body);
                return whole && block(m.otherwise_body);
            }
            case ast::StmtKind::Attempt: {
                const auto& a = s.as<ast::AttemptStmt>();
                bool whole = block(a.body);
                for (const ast::Handler& h : a.handlers)
                    whole &= block(h.body);
                return whole;
            }
            case ast::StmtKind::Break:
            case ast::StmtKind::Continue:
            case ast::StmtKind::Form:
            case ast::StmtKind::Variant:
            case ast::StmtKind::Aspect:
                return true;
            default:  // chant, embody, grove, summon, gather
                return false;
        }
    }

    // The same for a statement; anything that defines a chant or brings in names (embody,
    // grove, summon, gather) counts as capturing.
    static void uses_name(const ast::Stmt& s, std::string_view name, bool& mentions,
                          bool& captures) {
        const bool whole = for_each_part(
            s, [&](const ast::Expr& e) { uses_name(e, name, mentions, captures); },
            [&](std::string_view bound) { mentions |= bound == name; });
        if (!whole) captures = true;
    }

    // (1) of a noted element update: x and k evaluated as the read would, then the lend.
    void lend_stmt(const ast::BindStmt& b, bool want_value) {
        if (auto at = lent_calls_.find(&b); at != lent_calls_.end()) {
            const InPlaceCall& call = at->second;
            emit_lend(
                *call.call->arguments[0], [&] { return declare_local(b.name, true); },
                lends_.at(&b));
            emit_in_place_call(resolve(b.name), b.name, call, call.call->location);
            if (!want_value) emit(Op::Pop);
            return;
        }
        emit_lend(
            *b.value, [&] { return declare_local(b.name, b.is_mutable); }, lends_.at(&b));
        if (want_value) load(resolve(b.name));
    }

    // (1) of a bucket (note_element_updates_in): `set row to x[k]` into row's slot.
    void set_lend_stmt(const ast::SetStmt& s, const Resolution& row, bool want_value) {
        emit_lend(
            *s.value, [&] { return row.index; }, lends_.at(&s));
        if (want_value) load(row);
    }

    // x and k evaluated as the read would, then the lend into the slot `slot()` gives (an error
    // of the read is located at the read, as Index and GetField locate theirs). `back_by_key`:
    // the lend reads x.f and the store back is x["f"] (field_as_key).
    template <class Slot>
    void emit_lend(const ast::Expr& value, Slot slot_of_row, bool back_by_key) {
        LendSource from = *lend_source(value);
        const ast::Expr* object = from.object;
        const ast::Expr* key = from.key;
        std::string_view field = from.field;
        Resolution x = resolve(object->as<ast::IdentifierExpr>().name);
        expr(*object);
        if (key) expr(*key);
        pos_ = value.location;
        std::uint32_t slot = slot_of_row();
        // A `bind` x, or a local one can never be set, gives nothing to move back to: no lend.
        std::uint32_t ref = x.kind == Resolved::Global || x.is_mutable ? var_ref(x) : kNoVar;
        if (key) {
            emit(Op::LendIndex, slot);
            extra(ref);
        } else {
            emit(Op::LendField, slot);
            extra(ref);
            extra(name_constant(field));
            extra(0);  // the field's index, cached by the VM
            extra(back_by_key ? 1 : 0);
        }
    }

    // `set x[k] to list_push(x[k], v)` or `set x.f to list_push(x.f, v)`, list_push the global
    // builtin and k the same expression both times, one that cannot call (so it has the same
    // value both times): the call to turn into a push in place onto x's element, else nullptr.
    // Without it a list kept in a map, list or struct is copied at every push (it is marked
    // shared when stored), which makes filling buckets quadratic. `set m["f"] to
    // list_push(m.f, v)` counts too: maps are read either way but set only with brackets
    // (LANGUAGE.md §6), so that is how a script fills a map of lists. The read stays as
    // written, and the VM pushes in place only when m["f"] is the very list it read.
    const ast::CallExpr* element_push_pattern(const ast::Expr& target, const ast::Expr& value) {
        return element_call_pattern(target, value, "list_push", &builtin_list_push, 2,
                                    redefines_list_push_);
    }
    // `set x[k] to list_pop(x[k])` / `set x.f to list_pop(x.f)`, likewise (a stack in a record).
    const ast::CallExpr* element_pop_pattern(const ast::Expr& target, const ast::Expr& value) {
        return element_call_pattern(target, value, "list_pop", &builtin_list_pop, 1,
                                    redefines_list_pop_);
    }
    const ast::CallExpr* element_call_pattern(const ast::Expr& target, const ast::Expr& value,
                                              std::string_view name, NativeFn fn, std::size_t argc,
                                              bool redefined) {
        auto* call = value.get_if<ast::CallExpr>();
        if (!call || call->arguments.size() != argc) return nullptr;
        auto* callee = call->callee->get_if<ast::IdentifierExpr>();
        if (!callee || callee->name != name) return nullptr;
        const ast::Expr& first = *call->arguments[0];
        if (auto* ix = target.get_if<ast::IndexExpr>()) {
            auto* read = first.get_if<ast::IndexExpr>();
            auto* field_read = first.get_if<ast::FieldExpr>();
            auto* key = ix->index->get_if<ast::TextExpr>();
            const bool same_key_as_field = field_read && key && key->value == field_read->field &&
                                           same_name(*ix->object, *field_read->object);
            if (!same_key_as_field && (!read || !same_name(*ix->object, *read->object) ||
                                       !same_pure_expr(*ix->index, *read->index, 0))) {
                return nullptr;
            }
        } else {
            const auto& fx = target.as<ast::FieldExpr>();
            auto* read = first.get_if<ast::FieldExpr>();
            if (!read || read->field != fx.field || !same_name(*fx.object, *read->object)) {
                return nullptr;
            }
        }
        return names_builtin(name, fn, redefined) ? call : nullptr;
    }

    static bool same_name(const ast::Expr& a, const ast::Expr& b) {
        auto* x = a.get_if<ast::IdentifierExpr>();
        auto* y = b.get_if<ast::IdentifierExpr>();
        return x && y && x->name == y->name;
    }

    // True when `a` and `b` are the same expression made of literals, names and operators
    // (nothing that calls), so evaluating both in a row gives equal values. Shallow on purpose.
    static bool same_pure_expr(const ast::Expr& a, const ast::Expr& b, int depth) {
        if (a.kind != b.kind || depth > 8) return false;
        switch (a.kind) {
            case ast::ExprKind::Number:
                return a.as<ast::NumberExpr>().value == b.as<ast::NumberExpr>().value;
            case ast::ExprKind::Text:
                return a.as<ast::TextExpr>().value == b.as<ast::TextExpr>().value;
            case ast::ExprKind::Identifier:
                return same_name(a, b);
            case ast::ExprKind::Unary: {
                const auto& x = a.as<ast::UnaryExpr>();
                const auto& y = b.as<ast::UnaryExpr>();
                return x.op == y.op && same_pure_expr(*x.operand, *y.operand, depth + 1);
            }
            case ast::ExprKind::Binary: {
                const auto& x = a.as<ast::BinaryExpr>();
                const auto& y = b.as<ast::BinaryExpr>();
                return x.op == y.op && same_pure_expr(*x.left, *y.left, depth + 1) &&
                       same_pure_expr(*x.right, *y.right, depth + 1);
            }
            default:
                return false;
        }
    }

    // Compiles `set x[k] to list_push(x[k], v)` / `set x.f to list_push(x.f, v)` (the pattern
    // above) as [k,] x[k], v evaluated as written, then ListPushIndexVar / ListPushFieldVar.
    // The VM pushes in place while x's container and the element are both unshared and the
    // element is still the list read; otherwise it runs the call and the `set` as written.
    // A pop (element_pop_pattern) is the same without v: ListPopIndexVar / ListPopFieldVar.
    void element_push_or_pop(const ast::SetStmt& s, const ast::IdentifierExpr& id,
                             const Resolution& r, const ast::CallExpr& call, bool want_value) {
        auto* ix = s.target->get_if<ast::IndexExpr>();
        const bool pop = call.arguments.size() == 1;
        if (ix) expr(*ix->index);
        expr(*call.arguments[0]);
        // A call in v may update x's element in place: the list read is pinned meanwhile, so
        // such an update copies it and the VM, finding the element changed, takes the slow path.
        bool guard = !pop && set_by_calls(id.name) && may_call(*call.arguments[1]);
        std::uint32_t pin = 0;
        if (guard) {
            pin = hidden_slot();
            hidden_slot();  // pin + 1: the value PinTop pinned, if any
            emit(Op::PinTop, pin);
        }
        if (!pop) expr(*call.arguments[1]);
        if (guard) emit(Op::UnpinResult, pin);
        pos_ = s.location;
        std::uint32_t field = ix ? 0 : name_constant(s.target->as<ast::FieldExpr>().field);
        if (pop) {
            emit(ix ? Op::ListPopIndexVar : Op::ListPopFieldVar, var_ref(r));
        } else {
            emit(ix ? Op::ListPushIndexVar : Op::ListPushFieldVar, var_ref(r));
        }
        extra(global_ref(pop ? "list_pop" : "list_push"));
        std::size_t to_slow = fn_->proto->code.size();
        extra(0);
        if (!ix) extra(field);
        std::size_t to_done = emit(Op::Jump);
        // The slow path: [k,] the function (put in by the VM), x[k][, v].
        patch_extra(to_slow, here());
        const int argc = pop ? 1 : 2;
        fn_->depth += argc + 1 - (ix ? 0 : 1);
        if (fn_->depth > fn_->max_depth) fn_->max_depth = fn_->depth;
        pos_ = call.location;  // the call's errors name the call, as an ordinary call's do
        emit(Op::Call, static_cast<std::uint32_t>(argc), -argc);
        pos_ = s.location;
        check_bound(r);
        if (ix) {
            emit(Op::SetIndexVar, var_ref(r));
        } else {
            emit(Op::SetFieldVar, var_ref(r));
            extra(field);
            extra(0);  // the field's index, cached by the VM
        }
        patch(to_done, here());
        if (!want_value) emit(Op::Pop);
    }

    // `set xs to list_push(xs, v)` with list_push the global builtin: pushes in place.
    const ast::Expr* list_push_pattern(const ast::IdentifierExpr& target, const ast::Expr& value) {
        const ast::CallExpr* call =
            in_place_call(target, value, "list_push", &builtin_list_push, 2, redefines_list_push_);
        return call ? call->arguments[1] : nullptr;
    }

    // `set xs to list_pop(xs)` with list_pop the global builtin: pops in place.
    bool list_pop_pattern(const ast::IdentifierExpr& target, const ast::Expr& value) {
        return in_place_call(target, value, "list_pop", &builtin_list_pop, 1,
                             redefines_list_pop_) != nullptr;
    }

    // `set xs to list_push(list_push(xs, a), b)` (deeper too), in a sole program with no
    // `attempt`, each later value b an operator expression of names and literals not naming xs:
    // the pushes, outermost first, to run innermost first, each in place. As written the inner
    // call copies xs and the outer one copies that. Run one by one, xs holds the inner result
    // while b is evaluated, which nothing can see: b names no xs and calls nothing, and if b
    // fails, the program ends. Empty when the value is not such a chain.
    Vec<const ast::CallExpr*> nested_pushes(const ast::IdentifierExpr& id, const ast::Expr& value) {
        Vec<const ast::CallExpr*> chain(memory_);
        if (!several_updates_unseen_) return chain;
        const ast::Expr* at = &value;
        while (!list_push_pattern(id, *at)) {
            auto* call = at->get_if<ast::CallExpr>();
            auto* callee = call ? call->callee->get_if<ast::IdentifierExpr>() : nullptr;
            if (!callee || callee->name != "list_push" || call->arguments.size() != 2 ||
                !plain_expr_without(*call->arguments[1], id.name)) {
                chain.clear();
                return chain;
            }
            chain.push_back(call);
            at = call->arguments[0];
        }
        if (!chain.empty()) chain.push_back(&at->as<ast::CallExpr>());
        return chain;
    }

    // `set s to s + a + b ...`: the Adds of the value, outermost first, when the chain's first
    // left operand is s itself (else empty). Run as Op::AppendVar, which appends the pieces to
    // the text in s in place when nothing else holds it (String, object.hpp): building a text by
    // appending in a loop costs what is appended, not the text's length each time.
    Vec<const ast::Expr*> appended_pieces(const ast::IdentifierExpr& target,
                                          const ast::Expr& value) {
        Vec<const ast::Expr*> adds(memory_);
        const ast::Expr* at = &value;
        while (at->kind == ast::ExprKind::Binary &&
               at->as<ast::BinaryExpr>().op == ast::BinaryOp::Add) {
            adds.push_back(at);
            at = at->as<ast::BinaryExpr>().left;
        }
        auto* first = at->get_if<ast::IdentifierExpr>();
        bool numeric = false;  // a piece that is a Number, or an error, whatever s holds
        for (const ast::Expr* add : adds) {
            const ast::Expr& piece = *add->as<ast::BinaryExpr>().right;
            numeric = numeric || piece.kind == ast::ExprKind::Number ||
                      piece.kind == ast::ExprKind::Unary ||
                      (piece.kind == ast::ExprKind::Binary &&
                       piece.as<ast::BinaryExpr>().op != ast::BinaryOp::Add);
        }
        // `set i to i + 1`, `set t to t + x * y`: counting, not building a text; the arithmetic
        // forms (AddLK ...) do that faster. So is `set t to t + x` of two bound locals, left
        // to AddLL and its SetLocal: AddLL appends a text in place itself when the SetLocal
        // after it stores into t (vm.cpp: append_text).
        if (adds.size() == 1 && first && bound_local(*first) &&
            bound_local(*adds[0]->as<ast::BinaryExpr>().right)) {
            numeric = true;
        }
        if (!first || first->name != target.name || numeric ||
            adds.size() > bytecode::kMaxOperand) {
            adds.clear();
        }
        return adds;
    }

    // `set s to s + a + b ...` (adds: appended_pieces). s is read first, then each piece in
    // turn, each Add but the last checked as the piece arrives (Op::AppendCheck: a TypeError at
    // the Add that would raise it, before the next piece runs), and Op::AppendVar adds them all
    // and stores the sum. A call among the pieces may set s: the text read first is pinned
    // meanwhile (as emit_in_place_call pins a list), so such a set copies it.
    void emit_append(const Resolution& r, std::string_view name,
                     const Vec<const ast::Expr*>& adds) {
        check_bound(r);
        load(r);
        bool guard = false;
        if (set_by_calls(name)) {
            for (const ast::Expr* add : adds)
                guard = guard || may_call(*add->as<ast::BinaryExpr>().right);
        }
        std::uint32_t pin = 0;
        if (guard) {
            pin = hidden_slot();
            hidden_slot();  // pin + 1: the value PinTop pinned, if any
            emit(Op::PinTop, pin);
        }
        const auto n = static_cast<std::uint32_t>(adds.size());
        for (std::uint32_t i = n; i-- > 0;) {
            expr(*adds[i]->as<ast::BinaryExpr>().right);
            pos_ = adds[i]->location;
            if (i > 0) emit(Op::AppendCheck, n - i);
        }
        if (guard) emit(Op::UnpinResult, pin);
        pos_ = adds[0]->location;
        emit(Op::AppendVar, var_ref(r), -static_cast<int>(n));
        extra(n);
    }

    InPlaceCall in_place_call_of(const ast::IdentifierExpr& id, const ast::Expr& value) {
        if (list_push_pattern(id, value)) return {value.get_if<ast::CallExpr>()};
        if (list_pop_pattern(id, value))
            return {value.get_if<ast::CallExpr>(), Op::ListPopVar, "list_pop"};
        if (const ast::CallExpr* call = in_place_call(
                id, value, "list_concat", &builtin_list_concat, 2, redefines_list_concat_)) {
            return {call, Op::ListConcatVar, "list_concat"};
        }
        if (const ast::CallExpr* call =
                in_place_call(id, value, "concat", &builtin_concat, 2, redefines_concat_)) {
            return {call, Op::TextConcatVar, "concat"};
        }
        return {};
    }

    // Updates variable `r` (named `name`) in place by the call and leaves its value on the
    // stack; an error there is located `at`.
    void emit_in_place_call(const Resolution& r, std::string_view name, const InPlaceCall& in_place,
                            SourceLocation at) {
        const ast::CallExpr* call = in_place.call;
        const Op op = in_place.op;
        const char* builtin = in_place.builtin;
        // [xs, args...] -> [list]: xs is read before the other arguments are evaluated
        // (§5), and the VM updates in place only while the variable still holds that
        // very list and the global is still the builtin.
        check_bound(r);
        load(r);
        // A call among the other arguments may update xs in place (a chant that sets
        // it): the list read first is pinned meanwhile, so such an update copies it and
        // the VM, finding xs changed, runs the call as written on the list read first.
        bool guard = set_by_calls(name) && any_may_call(call->arguments, self_expr);
        std::uint32_t pin = 0;
        if (guard) {
            pin = hidden_slot();
            hidden_slot();  // pin + 1: the value PinTop pinned, if any
            emit(Op::PinTop, pin);
        }
        for (std::size_t i = 1; i < call->arguments.size(); ++i)
            expr(*call->arguments[i]);
        if (guard) emit(Op::UnpinResult, pin);
        pos_ = at;
        std::uint32_t builtin_slot = global_ref(builtin);
        emit(op, var_ref(r));
        extra(builtin_slot);
        std::size_t to_slow = fn_->proto->code.size();
        extra(0);
        std::size_t to_done = emit(Op::Jump);
        // Otherwise (an argument's evaluation reassigned xs, or the builtin's name was
        // rebound since compiling: a nested `chant list_push`, a gather, an earlier REPL
        // input) the VM arrives here with [builtin, xs, args...]: the call as written.
        patch_extra(to_slow, here());
        auto argc = static_cast<std::uint32_t>(call->arguments.size());
        fn_->depth += static_cast<int>(argc);
        if (fn_->depth > fn_->max_depth) fn_->max_depth = fn_->depth;
        emit(Op::Call, argc, -static_cast<int>(argc));
        switch (r.kind) {
            case Resolved::Local:
                emit(Op::SetLocal, r.index);
                break;
            case Resolved::Upvalue:
                emit(Op::SetUpvalue, r.index);
                break;
            case Resolved::Global:
                emit(Op::SetGlobal, r.index);
                break;
        }
        load(r);
        patch(to_done, here());
    }

    bool check_mutable(const Resolution& r, std::string_view name) {
        if (r.kind != Resolved::Global && !r.is_mutable) {
            throw_error(ErrorKind::ImmutableBinding,
                        "cannot set '" + std::string(name) +
                            (r.is_parameter ? "': parameters and loop variables are immutable"
                                            : "': it was bound with 'bind', not 'weave'"));
            return false;
        }
        return true;
    }

    void set_stmt(const ast::SetStmt& s, bool want_value) {
        const ast::Expr& target = *s.target;
        note_set_in_chant(target);
        if (auto* id = target.get_if<ast::IdentifierExpr>()) {
            Resolution r = resolve(id->name);
            if (lends_.count(&s) && r.kind == Resolved::Local && r.is_mutable && !r.maybe_unbound) {
                set_lend_stmt(s, r, want_value);
                return;
            }
            if (pack_takes_.count(&s) && r.kind != Resolved::Upvalue && !r.maybe_unbound &&
                (r.kind == Resolved::Global || r.is_mutable)) {
                take_stmt(s, r, want_value);
                return;
            }
            if (InPlaceCall in_place = in_place_call_of(*id, *s.value); in_place.call) {
                if (!check_mutable(r, id->name)) {
                    if (want_value) emit(Op::Nothing);
                    return;
                }
                emit_in_place_call(r, id->name, in_place, in_place.call->location);
                if (!want_value) emit(Op::Pop);
                return;
            }
            if (Vec<const ast::Expr*> adds = appended_pieces(*id, *s.value); !adds.empty()) {
                if (!check_mutable(r, id->name)) {
                    if (want_value) emit(Op::Nothing);
                    return;
                }
                emit_append(r, id->name, adds);
                if (!want_value) emit(Op::Pop);
                return;
            }
            if (Vec<const ast::CallExpr*> pushes = nested_pushes(*id, *s.value); !pushes.empty()) {
                if (!check_mutable(r, id->name)) {
                    if (want_value) emit(Op::Nothing);
                    return;
                }
                for (std::size_t i = pushes.size(); i-- > 0;) {
                    emit_in_place_call(r, id->name, {pushes[i]}, pushes[i]->location);
                    if (i != 0 || !want_value) emit(Op::Pop);
                }
                return;
            }
            if (taken_apart_call(r, *id, *s.value)) {
                set_taken_apart(s, r, want_value);
                return;
            }
            if (may_move(r)) {
                const LiteralTakes takes = literal_takes(
                    *s.value, [&](std::string_view name) { return name == id->name; });
                if (takes.any()) {
                    literal_taking(*s.value, takes, id->name);
                    pos_ = s.location;
                    emit(r.kind == Resolved::Local ? Op::SetLocalOwned : Op::SetGlobalOwned,
                         r.index);
                    if (want_value) load(r);
                    return;
                }
                if (const ast::CallExpr* chain = moving_chain(*id, *s.value)) {
                    const std::size_t moved_word = call_chain(*chain, id->name);
                    if (auto* w = s.value->get_if<ast::WrapExpr>()) {
                        emit(Op::ShareUnowned);
                        pos_ = s.value->location;
                        emit(Op::WrapMoving, static_cast<std::uint32_t>(w->wrap));
                    }
                    pos_ = s.location;
                    const std::size_t store =
                        emit(r.kind == Resolved::Local ? Op::SetLocalOwned : Op::SetGlobalOwned,
                             r.index);
                    if (fn_->is_script) {
                        top_level_moves_.push_back(TopLevelMove{id->name, moved_word, store});
                    }
                    if (want_value) load(r);
                    return;
                }
            }
            if (auto at = last_reads_.find(&s);
                at != last_reads_.end() && last_read_moving(s, r, at->second, want_value)) {
                return;
            }
            const bool moves_self = moved_self(r, *id, *s.value);
            std::optional<std::uint32_t> moved =
                moves_self ? std::nullopt : moved_argument(r, *id, *s.value);
            if (moves_self || moved) {
                if (moves_self) {
                    invoke(s.value->as<ast::MethodCallExpr>(), true);
                } else {
                    call_moving(s.value->as<ast::CallExpr>(), *moved);
                }
                pos_ = s.location;
                std::size_t store = emit(
                    r.kind == Resolved::Local ? Op::SetLocalOwned : Op::SetGlobalOwned, r.index);
                if (fn_->is_script) {
                    top_level_moves_.push_back(TopLevelMove{id->name, store - 1, store});
                }
                if (want_value) load(r);
                return;
            }
            expr(*s.value);
            pos_ = s.location;
            if (!check_mutable(r, id->name)) {
                emit(Op::Pop);
                if (want_value) emit(Op::Nothing);
                return;
            }
            switch (r.kind) {
                case Resolved::Local:
                    check_bound(r);
                    emit(Op::SetLocal, r.index);
                    break;
                case Resolved::Upvalue:
                    check_bound(r);
                    emit(Op::SetUpvalue, r.index);
                    break;
                case Resolved::Global:
                    emit(Op::SetGlobal, r.index);
                    break;
            }
            if (want_value) load(r);
            return;
        }
        const ast::Expr* base = nullptr;
        if (auto* ix = target.get_if<ast::IndexExpr>()) base = ix->object;
        if (auto* fx = target.get_if<ast::FieldExpr>()) base = fx->object;
        auto* id = base ? base->get_if<ast::IdentifierExpr>() : nullptr;
        if (!id) {
            throw_error(ErrorKind::CustomError,
                        "nested 'set' targets are not supported; set a variable, "
                        "an element or a field of a variable");
            if (want_value) emit(Op::Nothing);
            return;
        }
        Resolution r = resolve(id->name);
        if (!check_mutable(r, id->name)) {
            if (want_value) emit(Op::Nothing);
            return;
        }
        if (const ast::CallExpr* call = element_push_pattern(target, *s.value)) {
            element_push_or_pop(s, *id, r, *call, want_value);
            return;
        }
        if (const ast::CallExpr* call = element_pop_pattern(target, *s.value)) {
            element_push_or_pop(s, *id, r, *call, want_value);
            return;
        }
        if (std::optional<std::uint32_t> moved =
                moved_element_argument(target, *s.value, id->name, r)) {
            element_call_moving(s, r, *moved, want_value);
            return;
        }
        const auto back_call = moved_back_calls_.find(&s);
        // The value of the store: a lent row moved into a call (moved_back_calls_), or as written.
        const auto value = [&] {
            if (back_call == moved_back_calls_.end()) {
                expr(*s.value);
                return;
            }
            call_moving(s.value->as<ast::CallExpr>(), back_call->second);
            emit(Op::ShareUnowned);
        };
        if (auto* ix = target.get_if<ast::IndexExpr>()) {
            expr(*ix->index);
            value();
            pos_ = s.location;
            check_bound(r);
            emit(moves_.count(&s) ? Op::MoveIndexVar : Op::SetIndexVar, var_ref(r));
        } else {
            auto& fx = target.as<ast::FieldExpr>();
            value();
            pos_ = s.location;
            check_bound(r);
            emit(moves_.count(&s) ? Op::MoveFieldVar : Op::SetFieldVar, var_ref(r));
            extra(name_constant(fx.field));
            extra(0);  // the field's index, cached by the VM
        }
        if (!want_value) emit(Op::Pop);
    }

    // ------------------------------------------------------------ an element moved into a call
    //
    // `set accts[i] to deposit(accts[i], v)`, a helper that copies its parameter into a `weave`,
    // changes it and yields it: the call marked the element shared as it passed it, so the
    // helper copied the record, and pushing onto its history list copied that too, at every
    // call. The element is dead until the store overwrites it, as a variable in
    // `set xs to swap(xs)` is (calls that move), so it is lent to a hidden local and moved
    // into the call (LendIndex/LendField, CallMove), and the result stored back as a move
    // (MoveIndexVar/MoveFieldVar, after ShareUnowned: a result the callee did not make is
    // marked). That needs what the lend of an element needs (note_element_updates_in), and
    // more, since the callee is script code:
    // - a sole program with no `attempt` (several_updates_unseen_): an error ends it, so an
    //   element the callee changed in part is never seen;
    // - no chant can read x or change the key while the callee runs: x and every name in the
    //   key (an operator expression of names and literals, not naming x) is a local of a chant
    //   that makes no chants, or a variable of the top level that no chant names
    //   (named_in_chants_); so the key, computed again for the store, has the same value;
    // - no other argument and not the callee names x.

    // `set x[k] to f(..., x[k], ...)` or `set x.f to g(..., x.f, ...)` as above (or
    // `set m["f"] to g(..., m.f, ...)`, field_as_key): the position of the element's argument.
    std::optional<std::uint32_t> moved_element_argument(const ast::Expr& target,
                                                        const ast::Expr& value,
                                                        std::string_view x_name,
                                                        const Resolution& x) {
        if (!several_updates_unseen_ || fn_->try_depth != 0 || fn_->is_grove) return std::nullopt;
        auto* call = value.get_if<ast::CallExpr>();
        if (!call || !unreachable_by_calls(x, x_name)) return std::nullopt;
        const ast::Expr* key = nullptr;
        if (auto* ix = target.get_if<ast::IndexExpr>()) {
            key = ix->index;
            if (!plain_expr_without(*key, x_name)) return std::nullopt;
            bool reachable = false;
            for_each_expr(*key, [&](const ast::Expr& e) {
                if (auto* k = e.get_if<ast::IdentifierExpr>())
                    reachable |= !unreachable_by_calls(resolve(k->name), k->name);
            });
            if (reachable) return std::nullopt;
        }
        bool mentions = false, captures = false;
        uses_name(*call->callee, x_name, mentions, captures);
        std::optional<std::uint32_t> moved;
        for (std::size_t i = 0; i < call->arguments.size(); ++i) {
            const ast::Expr& a = *call->arguments[i];
            const bool same_element =
                key ? (a.is<ast::IndexExpr>() &&
                       same_name(*a.as<ast::IndexExpr>().object,
                                 *target.as<ast::IndexExpr>().object) &&
                       same_pure_expr(*a.as<ast::IndexExpr>().index, *key, 0)) ||
                          (a.is<ast::FieldExpr>() &&
                           field_as_key(*a.as<ast::FieldExpr>().object,
                                        a.as<ast::FieldExpr>().field, target))
                    : a.is<ast::FieldExpr>() &&
                          a.as<ast::FieldExpr>().field == target.as<ast::FieldExpr>().field &&
                          same_name(*a.as<ast::FieldExpr>().object,
                                    *target.as<ast::FieldExpr>().object);
            if (same_element && !moved) {
                moved = static_cast<std::uint32_t>(i);
            } else {
                uses_name(a, x_name, mentions, captures);
            }
        }
        if (mentions || captures || !moved || bytecode::moved_bit(*moved) == 0) return std::nullopt;
        return moved;
    }

    // A variable that no call can read or change: a bound local of a chant that makes no chants,
    // or, in a sole program, a variable of the top level that no chant names.
    bool unreachable_by_calls(const Resolution& r, std::string_view name) const {
        if (r.maybe_unbound || r.kind == Resolved::Upvalue) return false;
        if (fn_->is_script) return sole_program_ && !named_in_chants_.count(name);
        return r.kind == Resolved::Local && uncaptured_local(name);
    }

    void element_call_moving(const ast::SetStmt& s, const Resolution& x, std::uint32_t moved,
                             bool want_value) {
        const auto& call = s.value->as<ast::CallExpr>();
        const ast::Expr& target = *s.target;
        auto* ix = target.get_if<ast::IndexExpr>();
        if (ix) expr(*ix->index);  // the store's key, read first as a plain `set` reads it
        const std::uint32_t lent = hidden_slot();
        expr(*call.callee);
        Vec<bool> later = later_calls(call.arguments, self_expr);
        for (std::size_t i = 0; i < call.arguments.size(); ++i) {
            const ast::Expr& a = *call.arguments[i];
            if (i != moved) {
                operand(a, later[i]);
                continue;
            }
            // The element into the hidden local, unmarked when x and it are unshared (else
            // marked, and the callee copies it as before), then onto the stack, moved.
            emit_lend(
                a, [&] { return lent; }, a.is<ast::FieldExpr>() && ix != nullptr);
            emit(Op::GetLocal, lent);
        }
        pos_ = call.location;
        auto n = static_cast<std::uint32_t>(call.arguments.size());
        emit(Op::CallMove, n, -static_cast<int>(n));
        extra(bytecode::moved_bit(moved));
        emit(Op::ShareUnowned);
        pos_ = s.location;
        check_bound(x);
        if (ix) {
            emit(Op::MoveIndexVar, var_ref(x));
        } else {
            emit(Op::MoveFieldVar, var_ref(x));
            extra(name_constant(target.as<ast::FieldExpr>().field));
            extra(0);
        }
        emit(Op::Unbind, lent);  // the hidden local held what the container holds again
        if (!want_value) emit(Op::Pop);
    }

    void should_stmt(const ast::ShouldStmt& s, bool want_value) {
        expr(*s.condition);
        std::size_t to_else = emit(Op::JumpIfFalse);
        block(s.then_body, want_value);
        // No otherwise branch and no value: nothing to jump over (a Jump to the next
        // instruction cost a dispatch every time the branch was taken).
        const bool jump_over_else = s.has_otherwise || want_value;
        std::size_t to_end = jump_over_else ? emit(Op::Jump) : 0;
        if (want_value) fn_->depth--;  // the other branch pushes its own value
        patch(to_else, here());
        if (s.has_otherwise) {
            block(s.otherwise_body, want_value);
        } else if (want_value) {
            emit(Op::Nothing);
        }
        if (jump_over_else) patch(to_end, here());
    }

    LoopInfo new_loop(std::uint32_t scope_depth, std::uint32_t result, bool pins) {
        return LoopInfo{Vec<std::size_t>(memory_),
                        Vec<std::size_t>(memory_),
                        fn_->try_depth,
                        scope_depth,
                        result,
                        pins};
    }

    void loop_end(LoopInfo& loop, std::uint32_t continue_target, std::uint32_t exit_target) {
        for (std::size_t at : loop.breaks)
            patch(at, exit_target);
        for (std::size_t at : loop.continues)
            patch(at, continue_target);
    }

    // The result slots R (the loop's value) and R+1 (the value this loop pinned), both nothing.
    std::uint32_t loop_result_slots() {
        std::uint32_t result = hidden_slot();
        hidden_slot();
        emit(Op::Nothing);
        emit(Op::SetLocal, result);
        emit(Op::Nothing);
        emit(Op::SetLocal, result + 1);
        return result;
    }

    // A loop body. With a result slot, the body's last value is kept in it; when the body may
    // break or continue, R's value is pinned from the start of the iteration until after the
    // last statement that may (see the header comment). `pinned` says whether R is pinned on
    // entry (by a whilst condition that calls).
    void loop_body(ast::Block body, std::uint32_t result, bool pinned) {
        if (result == kNoResult) {
            block(body, false);
            return;
        }
        std::size_t last_exit = last_loop_exit(body);
        bool pin = last_exit < body.size();
        if (pin && !pinned) emit(Op::PinResult, result);
        if (!pin && pinned) emit(Op::UnpinResult, result);
        if (body.empty()) emit(Op::Nothing);
        hoist_chants(body);
        for (std::size_t i = 0; i < body.size(); ++i) {
            stmt(*body[i], i + 1 == body.size());
            if (i == last_exit && i + 1 < body.size()) emit(Op::UnpinResult, result);
        }
        emit(Op::KeepResult, result);  // drops a pin still held (the last statement may exit)
    }

    // The loop's value after its exit: R, unpinned.
    void loop_result(const LoopInfo& loop) {
        if (loop.result == kNoResult) return;
        if (loop.pins) emit(Op::UnpinResult, loop.result);
        emit(Op::GetLocal, loop.result);
    }

    void whilst_stmt(const ast::WhilstStmt& w, bool want_value) {
        std::uint32_t result = want_value ? loop_result_slots() : kNoResult;
        bool pin_condition = want_value && may_call(*w.condition);
        bool pins = pin_condition || (want_value && last_loop_exit(w.body) < w.body.size());
        std::uint32_t top = here();
        if (pin_condition) emit(Op::PinResult, result);
        expr(*w.condition);
        std::size_t to_exit = emit(Op::JumpIfFalse);
        fn_->loops.push_back(new_loop(fn_->scope_depth, result, pins));
        loop_body(w.body, result, pin_condition);
        pos_ = w.location;
        std::uint32_t loop_at = here();  // `continue` lands on the Loop: a safe point
        emit(Op::Loop, top);
        std::uint32_t exit = here();
        patch(to_exit, exit);
        LoopInfo loop = std::move(fn_->loops.back());
        fn_->loops.pop_back();
        loop_end(loop, loop_at, exit);
        loop_result(loop);
    }

    void for_each_stmt(const ast::ForEachStmt& f, bool want_value) {
        std::uint32_t result = want_value ? loop_result_slots() : kNoResult;
        bool pins = want_value && last_loop_exit(f.body) < f.body.size();
        std::uint32_t state;
        if (f.iterable->kind == ast::ExprKind::Range) {
            // A range literal never exists as an object: its bounds go straight to the slots.
            const auto& r = f.iterable->as<ast::RangeExpr>();
            expr(*r.start);
            expr(*r.end);
            state = hidden_slot();
            hidden_slot();  // state + 1: position
            pos_ = f.iterable->location;
            emit(Op::ForRange, state);
            pos_ = f.location;
        } else {
            expr(*f.iterable);
            pos_ = f.location;
            state = hidden_slot();
            hidden_slot();  // state + 1: position
            emit(Op::SetLocal, state);
            emit(Op::ForPrep, state);
        }
        begin_scope();
        std::uint32_t body_depth = fn_->scope_depth;
        std::uint32_t var = declare_local(f.variable, false);
        fn_->locals.back().is_parameter = true;
        std::uint32_t top = here();
        emit(Op::ForNext, state);
        extra(var);
        std::size_t exit_word = fn_->proto->code.size();
        extra(0);
        fn_->loops.push_back(new_loop(fn_->scope_depth - 1, result, pins));
        note_element_updates(f.body);
        note_alias_moves(f.body);
        loop_body(f.body, result, false);
        std::uint32_t continue_target = here();
        std::uint32_t first;
        bool captured = scope_captured(body_depth, first);
        pos_ = f.location;
        if (captured) emit(Op::CloseUpvalues, first);
        emit(Op::Loop, top);
        std::uint32_t exit = here();
        if (captured) emit(Op::CloseUpvalues, first);
        patch_extra(exit_word, exit);
        LoopInfo loop = std::move(fn_->loops.back());
        fn_->loops.pop_back();
        loop_end(loop, continue_target, exit);
        // The scope's captured locals were closed above on every path out of the loop.
        for (Local& l : fn_->locals) {
            if (l.depth >= body_depth) l.captured = false;
        }
        end_scope();
        loop_result(loop);
    }

    // Index of the last statement of a loop body that may `break` or `continue` this loop, or
    // body.size() when none may.
    static std::size_t last_loop_exit(ast::Block body) {
        std::size_t last = body.size();
        for (std::size_t i = 0; i < body.size(); ++i) {
            if (exits_loop(*body[i])) last = i;
        }
        return last;
    }

    // True when `s` contains a break/continue of the innermost enclosing loop (nested loops and
    // chants have their own).
    static bool exits_loop(const ast::Stmt& s) {
        auto any = [](ast::Block b) {
            for (const ast::Stmt* x : b) {
                if (exits_loop(*x)) return true;
            }
            return false;
        };
        switch (s.kind) {
            case ast::StmtKind::Break:
            case ast::StmtKind::Continue:
                return true;
            case ast::StmtKind::Should: {
                const auto& sh = s.as<ast::ShouldStmt>();
                return any(sh.then_body) || any(sh.otherwise_body);
            }
            case ast::StmtKind::Match: {
                const auto& m = s.as<ast::MatchStmt>();
                for (const ast::MatchArm& arm : m.arms) {
                    if (any(arm.body)) return true;
                }
                return any(m.otherwise_body);
            }
            case ast::StmtKind::Attempt: {
                const auto& a = s.as<ast::AttemptStmt>();
                for (const ast::Handler& h : a.handlers) {
                    if (any(h.body)) return true;
                }
                return any(a.body);
            }
            default:
                return false;
        }
    }

    // True when a call may update the variable `name` (as the current function reads it) in
    // place: a local of this function only from a chant nested in it, any other variable from
    // any chant (a recursive call of this one included).
    bool set_by_calls(std::string_view name) {
        if (find_local(fn_, name, false) >= 0) return fn_->set_in_nested.count(name) != 0;
        if (set_in_chants_.count(name)) return true;
        // A global that a chant of an earlier compilation in this runtime sets.
        std::uint32_t slot;
        bool found = module_mode_ ? rt_.find_module_global(rt_.intern(name), slot)
                                  : rt_.find_global(rt_.intern(name), slot);
        return found && (rt_.global_flags(slot) & kGlobalSetInChant);
    }

    // A `set` in a chant body whose target is a global: flag the global for later compilations
    // in this runtime (set_by_calls).
    void note_set_in_chant(const ast::Expr& target) {
        if (fn_->is_script || fn_->is_grove) return;
        const std::string_view name = set_target_root(target);
        if (name.empty()) return;
        Resolution r = resolve(name);
        if (r.kind == Resolved::Global) rt_.global_flags(r.index) |= kGlobalSetInChant;
    }

    // True when the value `e` leaves on the stack may be a container that a call can still
    // update in place through a variable (see the file comment).
    bool may_alias_variable(const ast::Expr& e) {
        switch (e.kind) {
            case ast::ExprKind::Identifier:
                return set_by_calls(e.as<ast::IdentifierExpr>().name);
            case ast::ExprKind::Call:
            case ast::ExprKind::MethodCall:
            case ast::ExprKind::Pipe:
                return true;
            case ast::ExprKind::Index:  // an element a push updates in place (element_push_or_pop)
                return may_alias_variable(*e.as<ast::IndexExpr>().object);
            case ast::ExprKind::Field:
                return may_alias_variable(*e.as<ast::FieldExpr>().object);
            default:
                return false;
        }
    }

    // Compiles operands left to right, each marked shared when it may alias a variable that a
    // later operand's call may update in place.
    template <typename Seq, typename Get>
    void operands(const Seq& seq, Get get) {
        Vec<bool> later = later_calls(seq, get);
        for (std::size_t i = 0; i < seq.size(); ++i) {
            // Two bound locals in a row, nothing after them that may call (so neither needs
            // Share): one instruction loads both, as in `f(i, j)`.
            if (i + 1 < seq.size() && !later[i]) {
                std::optional<std::uint32_t> a = bound_local(get(seq[i]));
                std::optional<std::uint32_t> b = a ? bound_local(get(seq[i + 1])) : std::nullopt;
                if (a && b) {
                    emit(Op::GetLocals, *a);
                    extra(*b);
                    ++i;
                    continue;
                }
            }
            operand(get(seq[i]), later[i]);
        }
    }
    // later[i]: an operand after seq[i] may call.
    template <typename Seq, typename Get>
    Vec<bool> later_calls(const Seq& seq, Get get) {
        std::size_t n = seq.size();
        Vec<bool> later(n, false, memory_);
        for (std::size_t i = n; i-- > 1;)
            later[i - 1] = later[i] || may_call(get(seq[i]));
        return later;
    }
    template <typename Seq, typename Get>
    bool any_may_call(const Seq& seq, Get get) {
        for (const auto& x : seq) {
            if (may_call(get(x))) return true;
        }
        return false;
    }
    void operand(const ast::Expr& x, bool call_after) {
        expr(x);
        if (call_after && may_alias_variable(x)) share_waiting(x);
    }
    // Marks the value of `x`, which waits on the stack while a call runs, shared. A variable of
    // a sole program's top level that no chant names from outside itself is out of every
    // call's reach, so none can update it in place meanwhile: drop_needless_shares makes that
    // Share a Nop once every chant is compiled. (set_in_chants_ goes by name, so a helper's
    // own local `h` made the top-level h look set by calls, and `set h to push(h, random())`
    // copied h at every call.)
    void share_waiting(const ast::Expr& x) {
        const std::size_t share = emit(Op::Share);
        auto* id = x.get_if<ast::IdentifierExpr>();
        if (id && fn_->is_script && sole_program_) {
            top_level_shares_.push_back(TopLevelShare{id->name, share});
        }
    }
    static const ast::Expr& self_expr(const ast::Expr* e) { return *e; }
    static const ast::Expr& init_expr(const ast::FieldInit& f) { return *f.value; }

    // True when evaluating `e` may run script code (a call may run a closure that updates a
    // captured or global variable in place). A call of a builtin that runs none
    // (runtime::runs_no_script_code, in a sole program that binds its name nowhere) runs only
    // what its arguments run: `entries[list_length(entries) - 1]` in a closure no longer marked
    // the captured list shared, and the closure beside it that pushed onto it copied the list
    // at every push.
    bool may_call(const ast::Expr& e) {
        switch (e.kind) {
            case ast::ExprKind::Call: {
                const auto& c = e.as<ast::CallExpr>();
                auto* callee = c.callee->get_if<ast::IdentifierExpr>();
                if (!callee || !names_builtin_among(callee->name, runs_no_script_code)) return true;
                for (const ast::Expr* a : c.arguments) {
                    if (may_call(*a)) return true;
                }
                return false;
            }
            case ast::ExprKind::MethodCall:
            case ast::ExprKind::Pipe:
                return true;
            case ast::ExprKind::List:
                for (const ast::Expr* x : e.as<ast::ListExpr>().elements) {
                    if (may_call(*x)) return true;
                }
                return false;
            case ast::ExprKind::Map:
                for (const ast::FieldInit& f : e.as<ast::MapExpr>().entries) {
                    if (may_call(*f.value)) return true;
                }
                return false;
            case ast::ExprKind::Struct:
                for (const ast::FieldInit& f : e.as<ast::StructExpr>().fields) {
                    if (may_call(*f.value)) return true;
                }
                return false;
            case ast::ExprKind::Range: {
                const auto& r = e.as<ast::RangeExpr>();
                return may_call(*r.start) || may_call(*r.end);
            }
            case ast::ExprKind::Unary:
                return may_call(*e.as<ast::UnaryExpr>().operand);
            case ast::ExprKind::Binary: {
                // Down the left spine in a loop: a flat chain `a + b + ... + z` is as deep as
                // it is long.
                const ast::Expr* at = &e;
                for (; at->kind == ast::ExprKind::Binary; at = at->as<ast::BinaryExpr>().left) {
                    if (may_call(*at->as<ast::BinaryExpr>().right)) return true;
                }
                return may_call(*at);
            }
            case ast::ExprKind::Index: {
                const auto& x = e.as<ast::IndexExpr>();
                return may_call(*x.object) || may_call(*x.index);
            }
            case ast::ExprKind::Field:
                return may_call(*e.as<ast::FieldExpr>().object);
            case ast::ExprKind::Propagate:
                return may_call(*e.as<ast::PropagateExpr>().operand);
            case ast::ExprKind::Wrap:
                return may_call(*e.as<ast::WrapExpr>().value);
            default:  // literals, names, lambdas (made, not run)
                return false;
        }
    }

    void pattern(const ast::Pattern& p, Vec<std::size_t>& fails) {
        switch (p.kind) {
            case ast::PatternKind::Literal: {
                const ast::Expr& e = *p.as<ast::LiteralPattern>().value;
                emit(Op::MatchLiteral, constant(literal_value(e)));
                fails.push_back(fn_->proto->code.size());
                extra(0);
                break;
            }
            case ast::PatternKind::Binding: {
                // LANGUAGE.md §14: a name that names a unit variant in scope matches only that
                // variant; any other name matches anything and binds (`_` too, §12). "In scope"
                // is decided at run time (MatchName reads the name where the arm would), so a
                // unit variant gathered from a module or defined by an earlier REPL input
                // counts, and one local to another chant does not. Only a capitalised name, or
                // one some variant of this unit declares, can name a variant: the others bind
                // without the check.
                std::string_view name = p.as<ast::BindingPattern>().name;
                bool may_be_variant = unit_variants_.count(name) != 0 ||
                                      (!name.empty() && name[0] >= 'A' && name[0] <= 'Z');
                if (may_be_variant) {
                    std::uint32_t ref = var_ref(resolve(name));
                    emit(Op::MatchName, ref);
                    extra(name_constant(name));
                    fails.push_back(fn_->proto->code.size());
                    extra(0);
                }
                emit(Op::SetLocal, declare_local(name, false));
                break;
            }
            case ast::PatternKind::Wrap: {
                const auto& w = p.as<ast::WrapPattern>();
                emit(Op::MatchWrap, static_cast<std::uint32_t>(w.wrap));
                fails.push_back(fn_->proto->code.size());
                extra(0);
                pattern(*w.inner, fails);
                break;
            }
            case ast::PatternKind::Absent:
                emit(Op::MatchAbsent);
                fails.push_back(fn_->proto->code.size());
                extra(0);
                break;
            case ast::PatternKind::Variant: {
                const auto& v = p.as<ast::VariantPattern>();
                auto n = static_cast<std::uint32_t>(v.fields.size());
                emit(Op::MatchVariant, name_constant(v.name), static_cast<int>(n) - 1);
                extra(n);
                fails.push_back(fn_->proto->code.size());
                extra(0);
                Vec<std::uint32_t> temps(memory_);
                for (std::uint32_t i = 0; i < n; ++i)
                    temps.push_back(hidden_slot());
                for (std::uint32_t i = 0; i < n; ++i)
                    emit(Op::SetLocal, temps[i]);
                for (std::uint32_t i = 0; i < n; ++i) {
                    emit(Op::GetLocal, temps[i]);
                    pattern(*v.fields[i], fails);
                }
                break;
            }
        }
    }

    Value literal_value(const ast::Expr& e) {
        switch (e.kind) {
            case ast::ExprKind::Number:
                return Value::number(e.as<ast::NumberExpr>().value);
            case ast::ExprKind::Text:
                return rt_.text(e.as<ast::TextExpr>().value);
            case ast::ExprKind::Truth:
                return Value::truth(e.as<ast::TruthExpr>().value);
            default:
                return Value::nothing();
        }
    }

    void match_stmt(const ast::MatchStmt& m, bool want_value) {
        expr(*m.subject);
        std::uint32_t subject = hidden_slot();
        emit(Op::SetLocal, subject);
        Vec<std::size_t> to_end(memory_);
        for (const ast::MatchArm& arm : m.arms) {
            pos_ = arm.location;
            begin_scope();
            emit(Op::GetLocal, subject);
            Vec<std::size_t> fails(memory_);
            pattern(*arm.pattern, fails);
            block(arm.body, want_value);
            end_scope();
            to_end.push_back(emit(Op::Jump));
            if (want_value) fn_->depth--;
            for (std::size_t at : fails)
                patch_extra(at, here());
        }
        if (m.has_otherwise) {
            block(m.otherwise_body, want_value);
        } else {
            pos_ = m.location;
            throw_error(ErrorKind::CustomError, "No pattern matched");
            if (want_value) emit(Op::Nothing);
        }
        for (std::size_t at : to_end)
            patch(at, here());
    }

    void attempt_stmt(const ast::AttemptStmt& a, bool want_value) {
        std::size_t try_at = emit(Op::Try);
        fn_->try_depth++;
        block(a.body, want_value);
        fn_->try_depth--;
        emit(Op::EndTry);
        Vec<std::size_t> to_end(memory_);
        to_end.push_back(emit(Op::Jump));
        if (want_value) fn_->depth--;
        patch(try_at, here());
        for (const ast::Handler& h : a.handlers) {
            pos_ = h.location;
            std::uint32_t kind = bytecode::kAnyError;
            if (h.error_kind != "_") {
                ErrorKind k;
                kind = error_kind_from_name(h.error_kind, k) ? static_cast<std::uint32_t>(k) : 254;
            }
            emit(Op::Handles, kind);
            std::size_t next = fn_->proto->code.size();
            extra(0);
            block(h.body, want_value);
            to_end.push_back(emit(Op::Jump));
            if (want_value) fn_->depth--;
            patch_extra(next, here());
        }
        emit(Op::Rethrow);
        if (want_value) fn_->depth++;
        for (std::size_t at : to_end)
            patch(at, here());
    }

    // Each case becomes a definition: a data case is its own constructor (callable), a unit case
    // is bound to its single value, made here once.
    void variant_stmt(const ast::VariantStmt& v) {
        for (const ast::VariantCase& c : v.cases) {
            pos_ = c.location;
            emit(Op::Constant, constant(variant_case(v, c)));
            define(c.name, false);
        }
    }

    // The value a variant case binds its name to; made once per case (a pre-pass over the top
    // level makes them before any pattern is compiled, so patterns know the unit names).
    Value variant_case(const ast::VariantStmt& v, const ast::VariantCase& c) {
        auto known = case_values_.find(&c);
        if (known != case_values_.end()) return known->second;
        {
            StructDef* def =
                rt_.new_struct_def(rt_.intern(c.name), static_cast<std::uint32_t>(c.fields.size()));
            def->subkind = c.has_fields ? kDataVariant : kUnitVariant;
            def->family = rt_.intern(v.name);
            for (std::size_t i = 0; i < c.fields.size(); ++i) {
                def->field_names[i] = rt_.intern(c.fields[i].name);
                def->field_types[i] = type_text(c.fields[i].type);
            }
            Value bound = Value::object(def);
            if (!c.has_fields) {
                bound = Value::object(rt_.new_struct(def));
                unit_variants_[c.name] = bound;
            }
            case_values_.emplace(&c, bound);
            return bound;
        }
    }

    StructDef* struct_def(const ast::FormStmt& f) {
        StructDef* def =
            rt_.new_struct_def(rt_.intern(f.name), static_cast<std::uint32_t>(f.fields.size()));
        for (std::size_t i = 0; i < f.fields.size(); ++i) {
            def->field_names[i] = rt_.intern(f.fields[i].name);
            def->field_types[i] = type_text(f.fields[i].type);
        }
        return def;
    }

    // The interned spelling of a field's type: "T" when it has none, else "Name<Arg, ...>".
    String* type_text(const ast::TypeRef* t) {
        std::pmr::string text(memory_);
        append_type(text, t);
        return rt_.intern(text);
    }
    static void append_type(std::pmr::string& out, const ast::TypeRef* t) {
        if (!t) {
            out += 'T';
            return;
        }
        out += t->name;
        if (!t->arguments.empty()) {
            out += '<';
            for (std::size_t i = 0; i < t->arguments.size(); ++i) {
                if (i) out += ", ";
                append_type(out, t->arguments[i]);
            }
            out += '>';
        }
    }

    // ------------------------------------------------------------ functions

    void function(const ast::Function& f, const ast::GroveStmt* grove = nullptr) {
        FunctionState fs(memory_);
        fs.parent = fn_;
        fs.proto = rt_.new_prototype();
        fs.proto->in_module = module_mode_;
        fs.proto->name = rt_.intern(f.name.empty() ? std::string_view("<anonymous>") : f.name);
        fs.proto->source_name = fn_->proto->source_name;
        fs.proto->variadic = f.variadic;
        fs.proto->arity = static_cast<std::uint16_t>(f.params.size() - (f.variadic ? 1 : 0));
        if (f.params.size() > 250) fail("too many parameters");
        FunctionState* outer = fn_;
        SourceLocation outer_pos = pos_;
        fn_ = &fs;
        fs.scope_depth = 1;
        fs.is_grove = grove != nullptr;
        collect_names_set_in_chants(f.body, false, fs.set_in_nested);
        for (const ast::Param& p : f.params) {
            declare_local(p.name, false);
            fn_->locals.back().is_parameter = true;
        }
        pos_ = f.location;
        if (grove) {
            // A grove body runs like a chant body; its result is the module of offered names.
            block(f.body, false);
            for (const ast::NameRef& offer : grove->offers) {
                pos_ = offer.location;
                emit(Op::Constant, name_constant(offer.name));
                // A module-level `weave` variable that one of the module's chants captured may
                // change after the module has loaded: its cell is offered, so NAME.x reads the
                // value it has now (§14.1: the module keeps its state), not the one at load.
                const int local = find_local(fn_, offer.name, false);
                const Local* l =
                    local >= 0 ? &fn_->locals[static_cast<std::size_t>(local)] : nullptr;
                if (l && l->is_mutable && l->captured && !l->pending && !l->conditional) {
                    emit(Op::OfferCell, l->slot);
                } else {
                    load(resolve(offer.name));
                }
            }
            auto n = static_cast<std::uint32_t>(grove->offers.size());
            emit(Op::MakeModule, n, 1 - 2 * static_cast<int>(n));
            extra(name_constant(grove->name));
        } else {
            bool mentions = false, captures = false;
            uses_name(f.body, {}, mentions, captures);
            fs.makes_no_chants = !captures;
            if (captures && sole_program_) {
                collect_names_named_in_chants(f.body, fs.named_in_nested);
                fs.names_in_nested_known = true;
            }
            // Only in a sole program (names_builtin_among): a later input could rebind a
            // builtin this chant calls.
            if (sole_program_ && fs.makes_no_chants) {
                fs.proto->borrowed = borrowed_params(f, reader_call_).value_or(0);
            }
            // First: the analyses below must see the renamed reads (copy_reads.hpp).
            if (fs.makes_no_chants) read_parameters_through_copies(f);
            note_element_updates(f.body);
            note_param_moves(f);
            if (fs.makes_no_chants) note_bind_moves(f.body);
            note_alias_moves(f.body);
            block(f.body, true);
        }
        emit(Op::Return);
        finish(fs);
        fn_ = outer;
        pos_ = outer_pos;
        // Locals this chant captured before their `bind`: unbound until it runs (a slot may
        // hold an old value of an ended scope).
        for (std::uint32_t slot : outer->unbind) {
            emit(Op::Unbind, slot);
        }
        outer->unbind.clear();
        emit(Op::Closure, constant(Value::object(fs.proto)));
    }

    // ------------------------------------------------------------ expressions

    void expr(const ast::Expr& e, bool tail_ok = false) {
        pos_ = e.location;
        check_stack_room();
        switch (e.kind) {
            case ast::ExprKind::Number:
                emit(Op::Constant, constant(Value::number(e.as<ast::NumberExpr>().value)));
                break;
            case ast::ExprKind::Text:
                emit(Op::Constant, constant(rt_.text(e.as<ast::TextExpr>().value)));
                break;
            case ast::ExprKind::Truth:
                emit(e.as<ast::TruthExpr>().value ? Op::True : Op::False);
                break;
            case ast::ExprKind::Nothing:
                emit(Op::Nothing);
                break;
            case ast::ExprKind::Absent:
                emit(Op::Absent);
                break;
            case ast::ExprKind::Identifier:
                load(resolve(e.as<ast::IdentifierExpr>().name));
                break;
            case ast::ExprKind::List: {
                const auto& l = e.as<ast::ListExpr>();
                if (std::optional<Value> made = constant_list(e)) {
                    emit(Op::Constant, constant(*made));
                    break;
                }
                operands(l.elements, self_expr);
                pos_ = e.location;
                auto n = static_cast<std::uint32_t>(l.elements.size());
                emit(Op::List, n, 1 - static_cast<int>(n));
                break;
            }
            case ast::ExprKind::Map: {
                const auto& m = e.as<ast::MapExpr>();
                Vec<bool> later = later_calls(m.entries, init_expr);
                for (std::size_t i = 0; i < m.entries.size(); ++i) {
                    const ast::FieldInit& f = m.entries[i];
                    pos_ = f.location;
                    emit(Op::Constant, name_constant(f.name));
                    operand(*f.value, later[i]);
                }
                pos_ = e.location;
                auto n = static_cast<std::uint32_t>(m.entries.size());
                emit(Op::Map, n, 1 - 2 * static_cast<int>(n));
                break;
            }
            case ast::ExprKind::Struct: {
                const auto& s = e.as<ast::StructExpr>();
                load(resolve(s.type_name));
                List* names = rt_.new_list(static_cast<std::uint32_t>(s.fields.size()));
                Vec<bool> later = later_calls(s.fields, init_expr);
                for (std::size_t i = 0; i < s.fields.size(); ++i) {
                    const ast::FieldInit& f = s.fields[i];
                    names->items[names->length++] = Value::object(rt_.intern(f.name));
                    operand(*f.value, later[i]);
                }
                pos_ = e.location;
                auto n = static_cast<std::uint32_t>(s.fields.size());
                emit(Op::Struct, n, -static_cast<int>(n));
                extra(constant(Value::object(names)));
                break;
            }
            case ast::ExprKind::Range: {
                const auto& r = e.as<ast::RangeExpr>();
                expr(*r.start);
                expr(*r.end);
                pos_ = e.location;
                emit(Op::Range);
                break;
            }
            case ast::ExprKind::Unary: {
                const auto& u = e.as<ast::UnaryExpr>();
                if (u.op == ast::UnaryOp::Negate && u.operand->kind == ast::ExprKind::Number) {
                    // `-1`: the negated Number is the constant (negating a Number cannot fail).
                    pos_ = e.location;
                    emit(Op::Constant,
                         constant(Value::number(-u.operand->as<ast::NumberExpr>().value)));
                    break;
                }
                expr(*u.operand);
                pos_ = e.location;
                emit(u.op == ast::UnaryOp::Not ? Op::Not : Op::Negate);
                break;
            }
            case ast::ExprKind::Binary:
                binary_chain(e);
                break;
            case ast::ExprKind::Pipe: {
                // `x | f | g | ...` nests to the left as deep as it is long: the stages in a loop.
                Vec<const ast::PipeExpr*> stages(memory_);  // outermost first
                const ast::Expr* at = &e;
                for (; at->kind == ast::ExprKind::Pipe; at = at->as<ast::PipeExpr>().value)
                    stages.push_back(&at->as<ast::PipeExpr>());
                expr(*at);
                for (std::size_t i = stages.size(); i-- > 0;) {
                    const ast::PipeExpr& p = *stages[i];
                    // `yield x | f` is `yield f(x)` (§9): the last stage is a tail call too.
                    const Op call_op = i == 0 && tail_ok ? Op::TailCall : Op::Call;
                    // The piped value waits on the stack while the stage is evaluated.
                    const ast::Expr& piped = i + 1 == stages.size() ? *at : *stages[i + 1];
                    if (may_call(*p.stage) && may_alias_variable(piped)) share_waiting(piped);
                    if (auto* c = p.stage->get_if<ast::CallExpr>()) {
                        expr(*c->callee);
                        emit(Op::Swap);
                        operands(c->arguments, self_expr);
                        pos_ = c->location;
                        auto n = static_cast<std::uint32_t>(c->arguments.size() + 1);
                        emit(call_op, n, -static_cast<int>(n));
                    } else if (auto* m = p.stage->get_if<ast::MethodCallExpr>()) {
                        // `x | obj.m(a)` is `obj.m(x, a)`, as `x | f(a)` is `f(x, a)`: the
                        // piped value goes first (Math.add from a module, a trait method).
                        operand(*m->object, any_may_call(m->arguments, self_expr));
                        emit(Op::Swap);
                        operands(m->arguments, self_expr);
                        pos_ = m->method_location;
                        auto n = static_cast<std::uint32_t>(m->arguments.size() + 1);
                        emit(Op::Invoke, name_constant(m->method), -static_cast<int>(n));
                        extra(n);
                    } else {
                        expr(*p.stage);
                        emit(Op::Swap);
                        pos_ = p.location;
                        emit(call_op, 1, -1);
                    }
                }
                break;
            }
            case ast::ExprKind::Call: {
                const auto& c = e.as<ast::CallExpr>();
                expr(*c.callee);
                operands(c.arguments, self_expr);
                pos_ = e.location;
                auto n = static_cast<std::uint32_t>(c.arguments.size());
                emit(c.tail && tail_ok ? Op::TailCall : Op::Call, n, -static_cast<int>(n));
                break;
            }
            case ast::ExprKind::MethodCall:
                invoke(e.as<ast::MethodCallExpr>(), false);
                break;
            case ast::ExprKind::Index: {
                const auto& x = e.as<ast::IndexExpr>();
                // xs[i] with both bound locals (an array loop's commonest read): one instruction.
                auto* object = x.object->get_if<ast::IdentifierExpr>();
                auto* index = x.index->get_if<ast::IdentifierExpr>();
                if (object && index) {
                    Resolution o = resolve(object->name);
                    Resolution i = resolve(index->name);
                    if (o.kind == Resolved::Local && !o.maybe_unbound &&
                        i.kind == Resolved::Local && !i.maybe_unbound) {
                        pos_ = e.location;
                        emit(Op::IndexLocals, o.index);
                        extra(i.index);
                        break;
                    }
                }
                operand(*x.object, may_call(*x.index));
                expr(*x.index);
                pos_ = e.location;
                emit(Op::Index);
                break;
            }
            case ast::ExprKind::Field: {
                const auto& f = e.as<ast::FieldExpr>();
                if (std::optional<std::uint32_t> slot = bound_local(*f.object)) {
                    pos_ = f.field_location;  // p.x, p a bound local: one instruction
                    emit(Op::GetLocalField, *slot);
                    extra(name_constant(f.field));
                    extra(0);
                    break;
                }
                expr(*f.object);
                pos_ = f.field_location;
                emit(Op::GetField, name_constant(f.field));
                extra(0);
                break;
            }
            case ast::ExprKind::Propagate:
                expr(*e.as<ast::PropagateExpr>().operand);
                pos_ = e.location;
                // At a script's or grove's top level there is no function for a Mishap to
                // return from: operand 1 makes it a runtime error instead (§11, as `yield`).
                emit(Op::Propagate, fn_->is_script || fn_->is_grove ? 1 : 0);
                break;
            case ast::ExprKind::Wrap: {
                const auto& w = e.as<ast::WrapExpr>();
                expr(*w.value);
                pos_ = e.location;
                emit(Op::Wrap, static_cast<std::uint32_t>(w.wrap));
                break;
            }
            case ast::ExprKind::Lambda:
                function(*e.as<ast::LambdaExpr>().function);
                break;
        }
    }

    // A binary operator and the chain to its left: `a - b * c + d` parses as
    // ((a - (b * c)) + d), a left spine as deep as the chain is long, so it is compiled in a
    // loop (operands still left to right, each operator right after its right operand).
    // `x1 + x2 + ... + xn`: every Add but the last of a run gets operand bit 1, as its sum is
    // read only by the next Add, so a text sum there skips the interner, and every Add but the
    // first gets bit 2: its left operand is that sum, which the VM may append to in place
    // (Op::Add). A Number literal on the right of the others (and of the last Add) comes from
    // the constants (AddK ...).
    void binary_chain(const ast::Expr& top) {
        Vec<const ast::Expr*> spine(memory_);  // outermost first
        const ast::Expr* at = &top;
        for (; at->kind == ast::ExprKind::Binary; at = at->as<ast::BinaryExpr>().left)
            spine.push_back(at);
        // Only the first left operand can alias a variable: every later left operand is an
        // operator's fresh result.
        const ast::Expr& first_right = *spine.back()->as<ast::BinaryExpr>().right;
        std::optional<std::uint32_t> left = bound_local(*at), right = bound_local(first_right);
        const bool both_locals = left && right;  // `a * b`: one instruction loads both
        // Whether the Add at spine[i] is part of a chain of Adds (Op::Add's bits), which the
        // forms with local operands leave to Add.
        auto in_add_chain = [&spine](std::size_t i) {
            auto is_add = [&spine](std::size_t j) {
                return spine[j]->as<ast::BinaryExpr>().op == ast::BinaryOp::Add;
            };
            return (i > 0 && is_add(i - 1)) || (i + 1 < spine.size() && is_add(i + 1));
        };
        const auto& innermost = spine.back()->as<ast::BinaryExpr>();
        const auto local_ops = local_operand_ops(innermost.op);
        // `i + 1`, `d is 0`: one instruction reads the local and takes the Number constant (an
        // Add not feeding another, as AddK).
        const std::optional<Op> local_constant_op =
            first_right.kind == ast::ExprKind::Number && left &&
                    !(innermost.op == ast::BinaryOp::Add && in_add_chain(spine.size() - 1))
                ? local_constant_operand_op(innermost.op)
                : std::nullopt;
        // `s + i % 13`: a right operand that cannot call cannot change the local either, so it
        // runs first and one instruction reads the local and computes.
        const std::optional<Op> local_left_op =
            left && !right && !local_constant_op && !may_call(first_right) &&
                    !(innermost.op == ast::BinaryOp::Add && in_add_chain(spine.size() - 1))
                ? local_left_operand_op(innermost.op)
                : std::nullopt;
        if (local_constant_op) {
            pos_ = spine.back()->location;
            emit(*local_constant_op, *left);
            extra(constant(Value::number(first_right.as<ast::NumberExpr>().value)));
        } else if (local_left_op) {
            expr(first_right);
            pos_ = spine.back()->location;
            emit(*local_left_op, *left);
        } else if (both_locals && local_ops &&
                   !(innermost.op == ast::BinaryOp::Add && in_add_chain(spine.size() - 1))) {
            // `zr * zr`: one instruction reads both locals and computes.
            pos_ = spine.back()->location;
            emit(local_ops->second, *left);
            extra(*right);
        } else if (both_locals) {
            pos_ = at->location;
            emit(Op::GetLocals, *left);
            extra(*right);
        } else {
            operand(*at, may_call(first_right));
        }
        for (std::size_t i = spine.size(); i-- > 0;) {
            const ast::Expr& node = *spine[i];
            const auto& b = node.as<ast::BinaryExpr>();
            if ((local_constant_op || local_left_op) && i == spine.size() - 1) continue;
            if (both_locals && i == spine.size() - 1) {
                if (local_ops && !(b.op == ast::BinaryOp::Add && in_add_chain(i))) continue;
                pos_ = node.location;
                emit(b.op == ast::BinaryOp::Add ? Op::Add : binary_op(b.op),
                     b.op == ast::BinaryOp::Add && i > 0 &&
                             spine[i - 1]->as<ast::BinaryExpr>().op == ast::BinaryOp::Add
                         ? 1
                         : 0);
                continue;
            }
            const bool feeds_add =
                i > 0 && spine[i - 1]->as<ast::BinaryExpr>().op == ast::BinaryOp::Add;
            pos_ = node.location;
            std::optional<Op> fused = b.op == ast::BinaryOp::Add
                                          ? (feeds_add ? std::nullopt : std::optional(Op::AddK))
                                          : constant_operand_op(b.op);
            if (fused && b.right->kind == ast::ExprKind::Number) {
                // `x - 1`: one instruction takes the Number from the constants (it cannot
                // fail, so only the operator's position is needed).
                emit(*fused, constant(Value::number(b.right->as<ast::NumberExpr>().value)));
                continue;
            }
            if (const auto ops = local_operand_ops(b.op);
                ops && !(b.op == ast::BinaryOp::Add && in_add_chain(i))) {
                if (const auto slot = bound_local(*b.right)) {
                    // `t + cr`: the instruction reads the local itself (reading a bound local
                    // cannot fail or run anything).
                    emit(ops->first, *slot);
                    continue;
                }
            }
            expr(*b.right);
            pos_ = node.location;
            if (b.op == ast::BinaryOp::Add) {
                const bool fed_by_add =
                    i + 1 < spine.size() &&
                    spine[i + 1]->as<ast::BinaryExpr>().op == ast::BinaryOp::Add;
                emit(Op::Add, (feeds_add ? 1 : 0) | (fed_by_add ? 2 : 0));
            } else {
                emit(binary_op(b.op));
            }
        }
    }
    // The slot of `e` when it names a local of this chant that is bound there (what a plain
    // GetLocal loads).
    std::optional<std::uint32_t> bound_local(const ast::Expr& e) {
        auto* id = e.get_if<ast::IdentifierExpr>();
        if (!id) return std::nullopt;
        Resolution r = resolve(id->name);
        if (r.kind != Resolved::Local || r.maybe_unbound) return std::nullopt;
        return r.index;
    }

    // The instruction that applies `op` with a Number constant as its right operand, if any.
    // The forms of `op` with a bound local as its right operand and with bound locals as both
    // (AddL, AddLL ...), if it has them.
    static std::optional<std::pair<Op, Op>> local_operand_ops(ast::BinaryOp op) {
        switch (op) {
            case ast::BinaryOp::Add:
                return std::pair(Op::AddL, Op::AddLL);
            case ast::BinaryOp::Subtract:
                return std::pair(Op::SubtractL, Op::SubtractLL);
            case ast::BinaryOp::Multiply:
                return std::pair(Op::MultiplyL, Op::MultiplyLL);
            case ast::BinaryOp::Divide:
                return std::pair(Op::DivideL, Op::DivideLL);
            case ast::BinaryOp::Modulo:
                return std::pair(Op::ModuloL, Op::ModuloLL);
            case ast::BinaryOp::Greater:
                return std::pair(Op::GreaterL, Op::GreaterLL);
            case ast::BinaryOp::Less:
                return std::pair(Op::LessL, Op::LessLL);
            case ast::BinaryOp::AtLeast:
                return std::pair(Op::AtLeastL, Op::AtLeastLL);
            case ast::BinaryOp::AtMost:
                return std::pair(Op::AtMostL, Op::AtMostLL);
            default:
                return std::nullopt;
        }
    }
    // The form of arithmetic `op` with a bound local as its left operand and the value on top
    // as its right (AddLT ...), if it has one.
    static std::optional<Op> local_left_operand_op(ast::BinaryOp op) {
        switch (op) {
            case ast::BinaryOp::Add:
                return Op::AddLT;
            case ast::BinaryOp::Subtract:
                return Op::SubtractLT;
            case ast::BinaryOp::Multiply:
                return Op::MultiplyLT;
            case ast::BinaryOp::Divide:
                return Op::DivideLT;
            case ast::BinaryOp::Modulo:
                return Op::ModuloLT;
            default:
                return std::nullopt;
        }
    }
    // The form of `op` with a bound local as its left operand and a Number constant as its right
    // (AddLK ...), if it has one.
    static std::optional<Op> local_constant_operand_op(ast::BinaryOp op) {
        switch (op) {
            case ast::BinaryOp::Add:
                return Op::AddLK;
            case ast::BinaryOp::Subtract:
                return Op::SubtractLK;
            case ast::BinaryOp::Multiply:
                return Op::MultiplyLK;
            case ast::BinaryOp::Divide:
                return Op::DivideLK;
            case ast::BinaryOp::Modulo:
                return Op::ModuloLK;
            case ast::BinaryOp::Greater:
                return Op::GreaterLK;
            case ast::BinaryOp::Less:
                return Op::LessLK;
            case ast::BinaryOp::AtLeast:
                return Op::AtLeastLK;
            case ast::BinaryOp::AtMost:
                return Op::AtMostLK;
            case ast::BinaryOp::Is:
                return Op::EqualLK;
            case ast::BinaryOp::IsNot:
                return Op::NotEqualLK;
            default:
                return std::nullopt;
        }
    }
    static std::optional<Op> constant_operand_op(ast::BinaryOp op) {
        switch (op) {
            case ast::BinaryOp::Subtract:
                return Op::SubtractK;
            case ast::BinaryOp::Multiply:
                return Op::MultiplyK;
            case ast::BinaryOp::Divide:
                return Op::DivideK;
            case ast::BinaryOp::Modulo:
                return Op::ModuloK;
            case ast::BinaryOp::Greater:
                return Op::GreaterK;
            case ast::BinaryOp::Less:
                return Op::LessK;
            case ast::BinaryOp::AtLeast:
                return Op::AtLeastK;
            case ast::BinaryOp::AtMost:
                return Op::AtMostK;
            case ast::BinaryOp::Is:
                return Op::EqualK;
            case ast::BinaryOp::IsNot:
                return Op::NotEqualK;
            default:
                return std::nullopt;
        }
    }
    static Op binary_op(ast::BinaryOp op) {
        switch (op) {
            case ast::BinaryOp::Or:
                return Op::Or;
            case ast::BinaryOp::And:
                return Op::And;
            case ast::BinaryOp::Is:
                return Op::Equal;
            case ast::BinaryOp::IsNot:
                return Op::NotEqual;
            case ast::BinaryOp::Greater:
                return Op::Greater;
            case ast::BinaryOp::Less:
                return Op::Less;
            case ast::BinaryOp::AtLeast:
                return Op::AtLeast;
            case ast::BinaryOp::AtMost:
                return Op::AtMost;
            case ast::BinaryOp::Add:
                return Op::Add;
            case ast::BinaryOp::Subtract:
                return Op::Subtract;
            case ast::BinaryOp::Multiply:
                return Op::Multiply;
            case ast::BinaryOp::Divide:
                return Op::Divide;
            case ast::BinaryOp::Modulo:
                return Op::Modulo;
        }
        return Op::Add;
    }

    Runtime& rt_;
    std::pmr::memory_resource* memory_;
    const ast::Program& program_;
    FunctionState* fn_ = nullptr;
    SourceLocation pos_;
    bool redefines_list_push_ = false;
    bool redefines_list_pop_ = false;
    bool redefines_list_concat_ = false;
    bool redefines_concat_ = false;
    bool module_mode_ = false;
    Table<std::string_view, Value> unit_variants_;  // unit case name (AST text) -> its value
    Table<const ast::VariantCase*, Value> case_values_;
    // Statements of an element update through a local (note_element_updates): the `weave`
    // that lends the element, the `set` that moves it back.
    Table<const ast::Stmt*, bool> lends_;
    Table<const ast::Stmt*, InPlaceCall> lent_calls_;    // lends that push or pop (lent_call)
    Table<const ast::Stmt*, std::uint32_t> pack_moves_;  // results taken apart: (b), h's place
    Table<const ast::Stmt*, bool> pack_takes_;           // ... and (c)
    Table<const ast::Stmt*, bool> fresh_takes_;          // ... and (d)
    Table<const ast::Stmt*, std::uint32_t> moved_back_calls_;  // a lend's (3) through a call
    Table<const ast::Stmt*, bool> moves_;
    Table<const ast::Stmt*, bool> param_moves_;          // `weave v as p`, p a dead parameter
    Table<const ast::Stmt*, std::uint32_t> bind_moves_;  // (4): the argument that moves
    // alias_moves.hpp: (A) binds nothing reads, (B) binds of a dead variable, (C) the argument
    // of a `set`'s call that is its last read.
    Table<const ast::Stmt*, bool> unread_binds_;
    Table<const ast::Stmt*, bool> source_dead_binds_;
    Table<const ast::Stmt*, std::uint32_t> last_reads_;
    // compile()'s sole_program, for a unit that summons nothing: the top level's variables may
    // move through calls (may_move), unless a chant names them (undo_top_level_moves).
    bool sole_program_ = false;
    NameSet free_in_chants_;   // names chants read or set from outside themselves
    NameSet named_in_chants_;  // with sole_program_: every name a chant names (pre-pass)
    NameSet bound_names_;      // with sole_program_: every name the program binds (pre-pass)
    NameSet bound_twice_;      // ... and those it binds more than once
    // With sole_program_: the top-level chants by name, and what reader_call found for each.
    Table<std::string_view, const ast::Function*> top_level_chants_;
    Table<const ast::Function*, std::optional<std::uint32_t>> reader_masks_;
    const ast::Function* reading_ = nullptr;        // the chant reader_call is working out, if any
    std::optional<std::uint32_t> reading_assumed_;  // ... and what its self-calls are taken to read
    ReaderCall reader_call_ = [this](std::string_view name) { return reader_call(name); };
    // A sole program with no `attempt` anywhere: an error ends it, so no one sees an element
    // that an update of several statements changed only in part (note_element_updates_in).
    bool several_updates_unseen_ = false;
    std::vector<const ast::Stmt*> own_;  // note_element_updates_in's scratch
    struct TopLevelMove {
        std::string_view name;
        std::size_t moved_word;  // CallMove's extra word
        std::size_t store;       // SetGlobalOwned / SetLocalOwned
    };
    Vec<TopLevelMove> top_level_moves_;
    struct TopLevelShare {
        std::string_view name;
        std::size_t share;  // the Share instruction
    };
    Vec<TopLevelShare> top_level_shares_;
    Vec<TopLevelShare> top_level_takes_;  // a literal's take: its ShareUnowned, Share if undone
    // With sole_program_: the variables the top level keeps in its frame's slots, not in global
    // slots (a local's read is a third cheaper, and the operators' L forms read it directly:
    // a top-level number loop ran 22% faster). Each is a `weave` or `bind` among the top level's
    // own statements (not in a should/whilst/attempt body, where it might stay unbound), the only
    // binding of its name outside chant bodies, and named by no chant, anonymous chant, method
    // or grove (a parameter of the same name is no naming: named_in_chants_). Then nothing reads
    // it by name at run time: code compiled before the binding runs before it too (the top level
    // has no loop around its own statements), and a sole program has no host or REPL input that
    // looks (compiler.hpp). A `bind` slot is immutable as a local `bind` is.
    NameSet top_level_locals_;
    // Names that a `set` inside some chant body (any depth) assigns or updates: the variables a
    // call may update in place behind an operand already on the stack.
    NameSet set_in_chants_;
};

}  // namespace

Prototype* compile(const ast::Program& program, Runtime& rt, bool module, bool sole_program) {
    Compiler c(rt, program, module, sole_program);
    return c.compile_script();
}

}  // namespace glimmer::interp::compiler
