"""The operation codes both compiled backends use, and the op names that map to them.

A compiled kernel cannot take a Python function as an argument cheaply, so each kernel takes an
integer `op` and branches on it; Numba compiles the branches once per dtype. The CPU kernels
(`elementwise.py`, `reduction.py`) and the CUDA kernels (`cuda_elementwise.py`, `cuda_reduce.py`)
switch on these same codes; `cpu.py` and `cuda.py` translate the primitive's op name with the
tables below (the names are those of `teachgrad.kernels.reference`).
"""

# Unary (the `unary` primitive); "identity" is a cast and has no code:
NEG, EXP, LOG, SQRT, SIN, COS, TANH, SIGMOID, RELU, ABS, SIGN, GELU, ERF = range(13)
# Binary arithmetic (the `binary` primitive), then where (three operands, CPU kernels only):
ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, WHERE = range(13, 21)
# Comparisons and logic: the result is bool. NOT reads only its first operand.
EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR, NOT = range(9)
# Reductions along one dim:
SUM, PROD, MAX, MIN, ARGMAX, ARGMIN = range(6)

UNARY = {
    "neg": NEG, "exp": EXP, "log": LOG, "sqrt": SQRT, "sin": SIN, "cos": COS, "tanh": TANH,
    "sigmoid": SIGMOID, "relu": RELU, "abs": ABS, "sign": SIGN, "gelu": GELU, "erf": ERF,
}
FLOAT_VALUED = {"exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "gelu", "erf"}
BINARY = {
    "add": ADD, "sub": SUB, "mul": MUL, "div": DIV, "pow": POW, "maximum": MAXIMUM, "minimum": MINIMUM,
    "eq": EQ, "ne": NE, "lt": LT, "le": LE, "gt": GT, "ge": GE, "logical_and": LOGICAL_AND, "logical_or": LOGICAL_OR,
}
COMPARISONS = {"eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or"}
REDUCTIONS = {"sum": SUM, "prod": PROD, "max": MAX, "min": MIN, "argmax": ARGMAX, "argmin": ARGMIN}
