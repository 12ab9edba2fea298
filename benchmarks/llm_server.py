#!/usr/bin/env python3
"""How fast is the LLM test server here? Start time, time to first chunk, chunks per second.

    python benchmarks/llm_server.py [--runs 3] [--max-tokens 200]

Uses the same server the LLM tests use (scripts/llm_test_server.py) and the real adapter; prints
numbers, asserts nothing. Needs llama-cpp-python[server].
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.coaching.llm import ChatLLM  # noqa: E402
from coach.coaching.prompts import ChatMessage  # noqa: E402
from coach.settings import Settings  # noqa: E402


def load_server_script():
    spec = importlib.util.spec_from_file_location(
        "llm_test_server", ROOT / "scripts/llm_test_server.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=200)
    args = parser.parse_args()
    script = load_server_script()
    if missing := script.missing_modules():
        print(f"llama-cpp-python[server] not installed (missing {missing})")
        return 1
    starts, firsts, rates = [], [], []
    for _ in range(args.runs):
        server = script.start()
        starts.append(server.started_in_s)
        try:
            settings = Settings(llm_base_url=server.url, llm_model=script.MODEL_ALIAS)
            llm = ChatLLM.from_settings(settings)
            messages = [ChatMessage("user", "Tell me a long story about a community garden.")]
            began = time.monotonic()
            first = None
            chunks = 0
            for _chunk in llm.stream(messages, max_tokens=args.max_tokens):
                first = first or time.monotonic() - began
                chunks += 1
            elapsed = time.monotonic() - began
            firsts.append(first or 0.0)
            rates.append(chunks / max(elapsed - (first or 0.0), 1e-9))
        finally:
            script.stop(server)
    print(f"server start (to /v1/models ready): median {statistics.median(starts):.2f} s {starts}")
    print(f"time to first chunk:                median {statistics.median(firsts):.2f} s")
    print(f"streamed chunks per second (~tokens): median {statistics.median(rates):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
