"""The graph behind a tensor as Graphviz DOT text (`to_dot`), or as an image (`render`).

Boxes are the recorded operations (their backward nodes), ellipses are leaves (blue when they
require grad); arrows run the way the forward pass did, from inputs to outputs.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from teachgrad.autograd.engine import topological_order
from teachgrad.autograd.variable import AccumulateGrad


def _values(t: Any) -> str:
    array = np.asarray(t.detach().numpy() if hasattr(t, "detach") else t, dtype=np.float64)
    if array.size > 6:
        return f"mean={array.mean():.4g}"
    return np.array2string(array, precision=4, separator=",").replace("\n", "")


def _leaf_label(leaf: Any, show_data: bool, show_grad: bool) -> str:
    lines = [f"leaf {list(getattr(leaf, 'shape', ()))}"]
    if show_data:
        lines.append(f"data {_values(leaf.data)}")
    if show_grad and leaf.grad is not None:
        lines.append(f"grad {_values(leaf.grad)}")
    return "\\n".join(lines)


def _escape(text: str) -> str:
    return text.replace('"', '\\"')


def to_dot(output: Any, show_data: bool = False, show_grad: bool = False) -> str:
    """DOT text for the graph that produced `output` (op names and shapes; optionally data/grad)."""
    lines = ["digraph teachgrad {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    ids: dict[int, str] = {}

    def node_id(node: Any) -> str:
        return ids.setdefault(id(node), f"n{len(ids)}")

    out_label = f"output {list(getattr(output, 'shape', ()))}"
    if show_data:
        out_label += f"\\ndata {_values(output.data)}"
    lines.append(f'  out [label="{_escape(out_label)}", shape=ellipse, style=filled, fillcolor="#d9ead3"];')
    if output.grad_fn is None:
        lines.append("}")
        return "\n".join(lines)
    for node in topological_order(output.grad_fn):
        if isinstance(node, AccumulateGrad):
            label = _leaf_label(node.variable, show_data, show_grad)
            lines.append(f'  {node_id(node)} [label="{_escape(label)}", shape=ellipse, style=filled, fillcolor="#cfe2f3"];')
            continue
        shapes = ", ".join(str(list(s)) for s in node.output_shapes)
        lines.append(f'  {node_id(node)} [label="{node.function.__name__}\\n{shapes}", shape=box];')
        for edge in node.next_edges:
            if edge is not None:
                lines.append(f"  {node_id(edge.node)} -> {node_id(node)};")
    lines.append(f"  {node_id(output.grad_fn)} -> out;")
    lines.append("}")
    return "\n".join(lines)


def render(output: Any, path: str | Path, show_data: bool = False, show_grad: bool = False) -> Path:
    """Write the graph as an image (format from the suffix: .png, .svg, .pdf) with Graphviz's `dot`."""
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "rendering needs the Graphviz 'dot' program, which is not installed: install it with "
            "'apt-get install graphviz' (Debian/Ubuntu) or 'brew install graphviz' (macOS), or use "
            "teachgrad.viz.to_dot(tensor) and paste the text into any Graphviz viewer"
        )
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=to_dot(output, show_data, show_grad).encode(), check=True)
    return path
