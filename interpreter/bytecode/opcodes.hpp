// opcodes.hpp — the bytecode shared by the compiler and the VM (and nothing else).
//
// Encoding: a sequence of 32-bit words. An instruction is one word, `op | A << 8` (A: 24-bit
// unsigned operand: slot, constant index, count or absolute jump target), followed by
// `extra` further operand words. Locals live in fixed frame slots (parameters first); the
// operand stack sits above them and is empty at every statement boundary.
//
// Loop results (compiler.cpp explains): slot A holds a loop's value, kept without the shared
// mark; slot A+1 the value this loop pinned (runtime kFlagPinned: in-place updates copy it), or
// nothing.
//
// Variable references (VarRef, used by the in-place `set` forms) pack a kind and an index into
// A: kind << 22 | index, kind 0 = local slot, 1 = upvalue, 2 = global slot.
//
// X(name, extra words, stack effect) — kVar when the effect depends on A (documented beside).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/object.hpp"

namespace glimmer::interp::bytecode {

inline constexpr int kVar = 99;
// CallMove's and TailCallMove's operand: a mask of the arguments that move (bit i: argument
// i, one of the first 32), each left unmarked because its variable is dead. kNoMove: none (a
// top-level move undone, compiler.cpp).
inline constexpr std::uint32_t kNoMove = 0;
inline constexpr std::uint32_t moved_bit(std::uint32_t argument) {
    return argument < 32 ? 1u << argument : 0u;
}

#define GLIMMER_OPCODES(X)                                                                         \
    X(Constant, 0, 1) /* push constants[A] */                                                      \
    X(Nothing, 0, 1)                                                                               \
    X(True, 0, 1)                                                                                  \
    X(False, 0, 1)                                                                                 \
    X(Absent, 0, 1)                                                                                \
    X(Pop, 0, -1)                                                                                  \
    X(Swap, 0, 0)                                                                                  \
    X(Share, 0, 0)          /* mark top's container shared (compiler.cpp: operands) */             \
    X(Nop, 0, 0)            /* a Share found needless once every chant was compiled */             \
    X(GetLocal, 0, 1)       /* push slot A */                                                      \
    X(GetLocals, 1, 2)      /* push slot A, then slot extra: both operands of `a * b` */           \
    X(Unbind, 0, 0)         /* slot A := unbound: bound further on */                              \
    X(SetLocal, 0, -1)      /* pop into slot A; marks containers shared */                         \
    X(MoveLocal, 0, -1)     /* as SetLocal, not marked: `weave v as p`, p a dead parameter */      \
    X(SetLocalOwned, 0, -1) /* as SetLocal after CallMove, not marked when the callee's            \
                               ReturnOwned made the result (compiler.cpp: calls that move) */      \
    X(KeepResult, 0, -1)    /* pop into loop result slot A, NOT shared; unpins as Unpin */         \
    X(PinResult, 0, 0)      /* unless pinned: pin slot A's value, slot A+1 := it */                \
    X(UnpinResult, 0, 0)    /* unpin slot A+1's value (if any), slot A+1 := nothing */             \
    X(PinTop, 0, 0)         /* unless pinned: pin the top value, slot A+1 := it (else nothing) */  \
    X(GetUpvalue, 0, 1)                                                                            \
    X(SetUpvalue, 0, -1)                                                                           \
    X(GetUpvalueBound, 1, 1)  /* as GetUpvalue, for a local captured before its `bind`:            \
                                 while unbound, the global named constants[extra] */               \
    X(CheckBound, 1, 0)       /* before a store to upvalue A: UndefinedVariable (name              \
                                 constants[extra]) while it is unbound */                          \
    X(GetLocalBound, 1, 1)    /* as GetLocal, for a name bound only in a nested body:              \
                                 while unbound, the global named constants[extra] */               \
    X(CheckLocalBound, 1, 0)  /* as CheckBound, for slot A */                                      \
    X(GetGlobal, 0, 1)        /* UndefinedVariable if not defined */                               \
    X(SetGlobal, 0, -1)       /* UndefinedVariable / ImmutableBinding */                           \
    X(SetGlobalOwned, 0, -1)  /* as SetGlobal after CallMove, as SetLocalOwned */                  \
    X(DefineGlobal, 0, -1)    /* bind */                                                           \
    X(DefineGlobalMut, 0, -1) /* weave */                                                          \
    X(Add, 0, -1)             /* A bit 1: the sum feeds the next Add; bit 2: x is that sum */      \
    X(Subtract, 0, -1)                                                                             \
    X(Multiply, 0, -1)                                                                             \
    X(Divide, 0, -1)                                                                               \
    X(Modulo, 0, -1)                                                                               \
    X(AddK, 0, 0)      /* top := top + constants[A], a Number (`x + 1`: no Constant) */            \
    X(SubtractK, 0, 0) /* likewise for the other arithmetic and comparisons below */               \
    X(MultiplyK, 0, 0)                                                                             \
    X(DivideK, 0, 0)                                                                               \
    X(ModuloK, 0, 0)                                                                               \
    X(GreaterK, 0, 0)                                                                              \
    X(LessK, 0, 0)                                                                                 \
    X(AtLeastK, 0, 0)                                                                              \
    X(AtMostK, 0, 0)                                                                               \
    X(EqualK, 0, 0)                                                                                \
    X(NotEqualK, 0, 0)                                                                             \
    X(AddL, 0, 0)      /* top := top + slot A, a bound local (`t + cr`: no GetLocal) */            \
    X(SubtractL, 0, 0) /* likewise for the other arithmetic and comparisons below */               \
    X(MultiplyL, 0, 0)                                                                             \
    X(DivideL, 0, 0)                                                                               \
    X(ModuloL, 0, 0)                                                                               \
    X(GreaterL, 0, 0)                                                                              \
    X(LessL, 0, 0)                                                                                 \
    X(AtLeastL, 0, 0)                                                                              \
    X(AtMostL, 0, 0)                                                                               \
    X(AddLL, 1, 1)      /* push slot A + slot extra (`zr * zr`: no GetLocals) */                   \
    X(SubtractLL, 1, 1) /* likewise for the other arithmetic and comparisons below */              \
    X(MultiplyLL, 1, 1)                                                                            \
    X(DivideLL, 1, 1)                                                                              \
    X(ModuloLL, 1, 1)                                                                              \
    X(GreaterLL, 1, 1)                                                                             \
    X(LessLL, 1, 1)                                                                                \
    X(AtLeastLL, 1, 1)                                                                             \
    X(AtMostLL, 1, 1)                                                                              \
    X(AddLK, 1, 1)      /* push slot A + constants[extra], a Number (`i + 1`) */                   \
    X(SubtractLK, 1, 1) /* likewise for the other arithmetic and comparisons below */              \
    X(MultiplyLK, 1, 1)                                                                            \
    X(DivideLK, 1, 1)                                                                              \
    X(ModuloLK, 1, 1)                                                                              \
    X(GreaterLK, 1, 1)                                                                             \
    X(LessLK, 1, 1)                                                                                \
    X(AtLeastLK, 1, 1)                                                                             \
    X(AtMostLK, 1, 1)                                                                              \
    X(EqualLK, 1, 1)                                                                               \
    X(NotEqualLK, 1, 1)                                                                            \
    X(AddLT, 0, 0)      /* top := slot A + top, a bound local on the left (`s + i % 13` where      \
                           the right operand cannot call: it runs first, then no GetLocal) */      \
    X(SubtractLT, 0, 0) /* likewise for the other arithmetic */                                    \
    X(MultiplyLT, 0, 0)                                                                            \
    X(DivideLT, 0, 0)                                                                              \
    X(ModuloLT, 0, 0)                                                                              \
    X(Negate, 0, 0)                                                                                \
    X(Not, 0, 0)                                                                                   \
    X(Equal, 0, -1)                                                                                \
    X(NotEqual, 0, -1)                                                                             \
    X(Greater, 0, -1)                                                                              \
    X(Less, 0, -1)                                                                                 \
    X(AtLeast, 0, -1)                                                                              \
    X(AtMost, 0, -1)                                                                               \
    X(And, 0, -1)                                                                                  \
    X(Or, 0, -1)                                                                                   \
    X(Jump, 0, 0)            /* to A */                                                            \
    X(JumpIfFalse, 0, -1)    /* pop; to A when falsy */                                            \
    X(Loop, 0, 0)            /* backward jump to A: safe point, step count */                      \
    X(Call, 0, kVar)         /* [callee, A args] -> [result] */                                    \
    X(TailCall, 0, kVar)     /* as Call, reusing the frame for a script callee */                  \
    X(CallMove, 1, kVar)     /* as Call, the arguments in mask extra not marked shared (a variable \
                                dead until SetLocalOwned stores the result into it) */             \
    X(TailCallMove, 1, kVar) /* as TailCall, the arguments in mask extra not marked shared (the    \
                              frame's locals they came from are dead) */                           \
    X(Return, 0, -1)         /* pop the result, leave the frame */                                 \
    X(ReturnOwned, 0, -1)    /* as Return, of a local nothing else holds: SetLocalOwned keeps it   \
                                unmarked */                                                        \
    X(ReturnParam, 0, -1)    /* as Return, of a parameter: owned when unmarked (it was moved in:   \
                                a call marks what it passes, and what the chant stored it in, if   \
                                anything, marked it) */                                            \
    X(ReturnCalled, 0, -1)   /* as Return, of what the call just made returned: owned if it was    \
                                returned owned (a tail call that is no self call) */               \
    X(ShareUnowned, 0, 0)    /* after a call: mark its result shared unless the callee returned it \
                                with ReturnOwned (compiler.cpp: inner_moving_argument) */          \
    X(Closure, 0, 1)         /* closure over the prototype constants[A] */                         \
    X(OfferCell, 0, 1)       /* push the cell (upvalue) of local slot A: a module offers it */     \
    X(CloseUpvalues, 0, 0)   /* close open upvalues at slots >= A */                               \
    X(List, 0, kVar)         /* A values -> list */                                                \
    X(Map, 0, kVar)          /* A (key, value) pairs -> map */                                     \
    X(Struct, 1, kVar)       /* [def, A values] -> instance; extra: names List const */            \
    X(ListMoving, 1, kVar)   /* as List; extra: mask of values from dead locals, stored unmarked;  \
                                owned_result: the new list is held by nothing else */              \
    X(StructMoving, 2, kVar) /* as Struct; extra: names List const, the same mask; likewise */     \
    X(MapMoving, 1, kVar)    /* as Map; extra: the mask of values (pair i), likewise */            \
    X(Range, 0, -1)                                                                                \
    X(Index, 0, -1)                                                                                \
    X(IndexLocals, 1, 1)   /* push slot A [slot extra], as GetLocal, GetLocal, Index */            \
    X(GetField, 1, 0)      /* name constants[A]; extra: cached field index */                      \
    X(IndexTake, 0, -1)    /* as Index, of a container in a dead local: owned_result says whether  \
                              the element came out unmarked (compiler.cpp: results taken apart) */ \
    X(FieldTake, 1, 0)     /* as GetField, likewise (of a Struct or a Map) */                      \
    X(GetLocalField, 2, 1) /* push field (name constants[extra 1]) of slot A; extra 2: cached      \
                              field index; as GetLocal, GetField */                                \
    X(SetIndexVar, 0, -1)  /* [index, value] -> [value], in place on VarRef A */                   \
    X(SetFieldVar, 2, 0)   /* [value] -> [value]; extra: name constant, cached field index */      \
    X(AppendCheck, 0, 0)   /* [x, y1..yA]: a Text x, y1..yA go on; else they are added             \
                              (TypeError here, or a Number sum in x, the ys undefined) */          \
    X(AppendVar, 1, kVar)  /* [x, y1..yn] -> [sum], n = extra: `set s to s + y1 + ...`, s =        \
                              VarRef A, x its value read first; appends in place (object.hpp:      \
                              String) when s still holds x and nothing else does */                \
    X(ListPushVar, 2, 0)   /* [value] -> [list]; extra: global slot of list_push, and where        \
                              to jump (stack kept) when that global is no longer the builtin */    \
    X(ListPopVar, 2, 0)    /* [list] -> [list] popped in place; extra: as ListPushVar */           \
    X(ListConcatVar, 2, 0) /* [list, other] -> [list] appended in place; extra: as ListPushVar */  \
    X(TextConcatVar, 2, 0) /* [text, other] -> [text]: `set s to concat(s, t)`, appended in place  \
                              as AppendVar appends; extra: as ListPushVar */                       \
    X(ListPushIndexVar, 2, -2) /* [key, list, value] -> [list]: `set x[key] to                     \
                                  list_push(x[key], value)` in place on x's element; extra: as     \
                                  ListPushVar (the slow path: [key, list_push, list, value]) */    \
    X(ListPushFieldVar, 3, -1) /* [list, value] -> [list]: the same for `x.f`; extra: as           \
                                  ListPushVar, then the field's name constant */                   \
    X(ListPopIndexVar, 2,                                                                          \
      -1) /* [key, list] -> [list]: `set x[key] to list_pop(x[key])` in                            \
             place; extra: as ListPushVar (slow path: [key, list_pop, list]) */                    \
    X(ListPopFieldVar, 3,                                                                          \
      0)                   /* [list] -> [list]: the same for `x.f`; extra: as ListPushFieldVar */  \
    X(LendIndex, 1, -2)    /* [x, key] -> []: `weave r as x[key]` into slot A, the element         \
                              left unshared when x (extra: VarRef, or ~0 for none) and it are      \
                              (compiler.cpp: element updates through a local) */                   \
    X(LendField, 4, -1)    /* [x] -> []: the same for `x.f`; extra: VarRef, name, cached index,    \
                              1 when the store back is `x["f"]` (x must be a Map to lend), else 0  \
                              (x must be a Struct) */                                              \
    X(MoveIndexVar, 0, -1) /* as SetIndexVar, the value not marked shared (its local is dead) */   \
    X(MoveFieldVar, 2, 0)  /* as SetFieldVar, likewise */                                          \
    X(Wrap, 0, 0)          /* A: runtime::Wrap */                                                  \
    X(WrapMoving, 0, 0)    /* as Wrap, the value not marked (it was moved: its holder is dead);    \
                              owned_result: the new wrapper is held by nothing else */             \
    X(Propagate, 0, 0)     /* expr?; A = 1 at a top level: a Mishap is a runtime error */          \
    X(ForPrep, 0, 0)       /* slot A holds the iterable; slot A+1 := 0 */                          \
    X(ForNext, 2, 0)       /* extra: variable slot, exit target */                                 \
    X(Try, 0, 0)           /* push a handler at A */                                               \
    X(EndTry, 0, 0)                                                                                \
    X(Handles, 1, 0) /* A: error kind or 255 (any); extra: next target */                          \
    X(Rethrow, 0, 0)                                                                               \
    X(MatchLiteral, 1, -1)   /* pop; constants[A] `is` it, else jump to extra */                   \
    X(MatchWrap, 1, 0)       /* pop; push inner if wrapper A, else jump to extra */                \
    X(MatchAbsent, 1, -1)    /* pop; jump to extra unless Absent */                                \
    X(MatchName, 2, 0)       /* a name pattern: if VarRef A holds the unit variant named           \
                                constants[extra[0]] and the top is not it, pop and jump            \
                                to extra[1]; else keep the top (a SetLocal binds it) */            \
    X(MatchVariant, 2, kVar) /* pop; push fields (first on top) if variant constants[A]            \
                                with extra[0] fields, else jump to extra[1] */                     \
    X(DefineMethod, 1, -1)   /* pop fn; method constants[extra] of type constants[A] */            \
    X(Invoke, 1, kVar)       /* [obj, extra args] -> [result]: trait method or field */            \
    X(InvokeMove, 2, kVar)   /* as Invoke; extra 2: CallMove's mask (bit 0: obj, as `self`) */     \
    X(MakeModule, 1, kVar)   /* A (name, value) pairs -> module named constants[extra] */          \
    X(Summon, 0, 1)          /* load the module file constants[A] (once per runtime) */            \
    X(Throw, 1, 0)           /* raise error kind A with message constants[extra] */                \
    X(ForRange, 0, -2)       /* pop [start, end] of a range literal: slot A := end,                \
                                A+1 := start, both truncated (no Range object) */

enum class Op : std::uint8_t {
#define X(name, extra, effect) name,
    GLIMMER_OPCODES(X)
#undef X
};

struct OpInfo {
    const char* name;
    std::uint8_t extra;
    int effect;
};

inline constexpr OpInfo kOpInfo[] = {
#define X(name, extra, effect) {#name, extra, effect},
    GLIMMER_OPCODES(X)
#undef X
};

inline constexpr std::uint32_t kMaxOperand = (1u << 24) - 1;
inline constexpr std::uint32_t kAnyError = 255;

constexpr std::uint32_t encode(Op op, std::uint32_t a = 0) {
    return static_cast<std::uint32_t>(op) | (a << 8);
}
constexpr Op op_of(std::uint32_t word) {
    return static_cast<Op>(word & 0xFF);
}
constexpr std::uint32_t operand_of(std::uint32_t word) {
    return word >> 8;
}

enum class VarKind : std::uint32_t { Local = 0, Upvalue = 1, Global = 2 };
constexpr std::uint32_t var_ref(VarKind k, std::uint32_t index) {
    return static_cast<std::uint32_t>(k) << 22 | index;
}
constexpr VarKind var_kind(std::uint32_t ref) {
    return static_cast<VarKind>(ref >> 22);
}
constexpr std::uint32_t var_index(std::uint32_t ref) {
    return ref & ((1u << 22) - 1);
}

// Readable listing of a prototype and, recursively, of the prototypes in its constants.
std::string disassemble(const runtime::Prototype& proto);

}  // namespace glimmer::interp::bytecode
