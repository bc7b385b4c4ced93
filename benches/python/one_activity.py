"""Baseline for the e2e bench: the same one-activity workflow with the Temporal Python SDK.

Usage: python one_activity.py HOST:PORT N   (needs `pip install temporalio`)
Prints `median_ms X` (plain start) and `eager_median_ms Y` (eager workflow start).
"""

import asyncio
import statistics
import sys
import time
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker


@activity.defn
async def echo(s: str) -> str:
    return s


@workflow.defn
class OneActivity:
    @workflow.run
    async def run(self, s: str) -> str:
        return await workflow.execute_activity(echo, s, start_to_close_timeout=timedelta(seconds=10))


async def measure(client: Client, queue: str, n: int, eager: bool) -> float:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        await client.execute_workflow(
            OneActivity.run, "x", id=f"{queue}-{eager}-{i}", task_queue=queue, request_eager_start=eager
        )
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def main() -> None:
    target, n = sys.argv[1], int(sys.argv[2])
    client = await Client.connect(target)
    queue = f"py-e2e-{uuid.uuid4().hex}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[OneActivity],
        activities=[echo],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        for i in range(5):
            await client.execute_workflow(OneActivity.run, "warm", id=f"{queue}-warm-{i}", task_queue=queue)
        print(f"median_ms {await measure(client, queue, n, False):.2f}", flush=True)
        print(f"eager_median_ms {await measure(client, queue, n, True):.2f}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
