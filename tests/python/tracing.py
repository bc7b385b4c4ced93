"""The Python side of the tracing interop test (tests/tests/tracing.rs).

One process with the Python SDK's TracingInterceptor on both its client and its worker: the
worker runs the activity `py_traced` on ACTIVITY_QUEUE; the client starts the Rust workflow
WORKFLOW(NAME, ACTIVITY_QUEUE) on WORKFLOW_QUEUE and waits for its result. Every span this process finished is then
printed as one JSON line, ids in hex, for the Rust test to join with its own.
"""

import argparse
import asyncio
import json
import os
import sys
import traceback

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio import activity
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.worker import Worker


@activity.defn
async def py_traced(name: str) -> str:
    return f"Hello from Python, {name}!"


def span_json(span) -> dict:
    parent = span.parent
    return {
        "name": span.name,
        "trace_id": format(span.context.trace_id, "032x"),
        "span_id": format(span.context.span_id, "016x"),
        "parent_span_id": format(parent.span_id, "016x") if parent else None,
        "kind": span.kind.name,
        "attributes": {k: str(v) for k, v in (span.attributes or {}).items()},
    }


async def run(args) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    interceptor = TracingInterceptor(provider.get_tracer("python-side"))
    client = await Client.connect(args.address, interceptors=[interceptor])
    async with Worker(client, task_queue=args.activity_queue, activities=[py_traced]):
        result = await client.execute_workflow(
            args.workflow, args=[args.name, args.activity_queue], id=args.id, task_queue=args.workflow_queue
        )
    print(json.dumps({"result": result, "spans": [span_json(s) for s in exporter.get_finished_spans()]}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--address", required=True)
    parser.add_argument("--workflow", required=True)
    parser.add_argument("--workflow-queue", required=True)
    parser.add_argument("--activity-queue", required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args()
    code = 0
    try:
        asyncio.run(run(args))
    except Exception:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    # As in interop.py: the native runtime's threads can abort a normal interpreter shutdown.
    os._exit(code)


if __name__ == "__main__":
    main()
