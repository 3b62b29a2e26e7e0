"""Executes a notebook on a fresh Jupyter kernel and writes it with its outputs.

Used by `deno task render` and the notebook tests (lib/notebook/render.ts). Run with Debian's /usr/bin/python3, which
has jupyter_client and nbformat. Unlike stock nbclient, it keeps listening on the IOPub channel for a moment after the
kernel reports idle: the Deno kernel sometimes publishes a cell's last output ~1 ms after idle (DESIGN.md §7, trap 1).

usage: _execute.py IN.ipynb OUT.ipynb [--kernel deno] [--timeout 600] [--cwd DIR]
exit: 0 all cells ran; 1 a cell raised (the notebook is still written, with the error output); 2 bad usage/kernel.
"""
import argparse
import json
import queue
import sys
import time

import nbformat
from jupyter_client.manager import start_new_kernel

LATE_OUTPUT_GRACE_S = 0.3


def output_from(msg):
    t, c = msg["msg_type"], msg["content"]
    if t == "stream":
        return nbformat.v4.new_output("stream", name=c["name"], text=c["text"])
    if t in ("display_data", "update_display_data"):
        return nbformat.v4.new_output("display_data", data=c["data"], metadata=c.get("metadata", {}))
    if t == "execute_result":
        return nbformat.v4.new_output(
            "execute_result", data=c["data"], metadata=c.get("metadata", {}), execution_count=c.get("execution_count")
        )
    if t == "error":
        return nbformat.v4.new_output("error", ename=c["ename"], evalue=c["evalue"], traceback=c["traceback"])
    return None


def run_cell(kc, cell, timeout):
    msg_id = kc.execute(cell.source, allow_stdin=False, stop_on_error=True)
    outputs = []
    displays = {}  # display_id -> indexes in outputs
    idle_at = None
    deadline = time.monotonic() + timeout
    while True:
        if idle_at is not None:
            remaining = idle_at + LATE_OUTPUT_GRACE_S - time.monotonic()
            if remaining <= 0:
                break
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"cell did not finish within {timeout} s")
        try:
            msg = kc.get_iopub_msg(timeout=min(remaining, 1.0))
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t, c = msg["msg_type"], msg["content"]
        if t == "status":
            if c["execution_state"] == "idle":
                idle_at = time.monotonic()
            continue
        if t == "clear_output":
            outputs.clear()
            displays.clear()
            continue
        display_id = (c.get("transient") or {}).get("display_id")
        if t == "update_display_data":
            for i in displays.get(display_id, []):
                outputs[i] = output_from(msg)
            continue
        out = output_from(msg)
        if out is None:
            continue
        if out.output_type == "stream" and outputs and outputs[-1].output_type == "stream" and outputs[-1].name == out.name:
            outputs[-1].text += out.text
            continue
        outputs.append(out)
        if display_id:
            displays.setdefault(display_id, []).append(len(outputs) - 1)
    reply = kc.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=30)
    cell.outputs = outputs
    cell.execution_count = reply["content"].get("execution_count")
    return reply["content"]["status"] == "ok"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--kernel", default="deno")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--cwd", default=None)
    args = ap.parse_args()
    nb = nbformat.read(args.input, as_version=4)
    try:
        km, kc = start_new_kernel(kernel_name=args.kernel, cwd=args.cwd)
    except Exception as e:  # noqa: BLE001 - one line for the user
        print(f"error: cannot start the {args.kernel!r} Jupyter kernel: {e}", file=sys.stderr)
        return 2
    ok = True
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            started = time.monotonic()
            if not run_cell(kc, cell, args.timeout):
                err = next((o for o in cell.outputs if o.output_type == "error"), None)
                what = f"{err.ename}: {err.evalue}" if err else "error"
                print(f"cell {index} failed: {what}", file=sys.stderr)
                ok = False
                break
            print(f"cell {index} ok ({time.monotonic() - started:.1f} s)", file=sys.stderr)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    nb.metadata["llm_bench_executed"] = {"ok": ok, "kernel": args.kernel}
    nbformat.write(nb, args.output)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
