"""Records the Python SDK's local activity histories that tests/tests/local_activity_cancel.rs
compares the Rust SDK with: cancellation types, cancellation before the activity started, and a
local activity longer than the workflow task timeout (workflow task heartbeats)."""
import asyncio, sys, time
from datetime import timedelta
from temporalio import workflow, activity
from temporalio.client import Client
from temporalio.worker import Worker, UnsandboxedWorkflowRunner
from temporalio.workflow import ActivityCancellationType


@activity.defn
async def slow(secs: float) -> str:
    try:
        await asyncio.sleep(secs)
    except asyncio.CancelledError:
        await asyncio.sleep(1.0)  # cleanup
        raise
    return "done"


def chain(e):
    out = []
    while e is not None:
        out.append(str(e))
        e = e.__cause__
    return " <- ".join(out)


@workflow.defn
class LaCancel:
    @workflow.run
    async def run(self, spec: str) -> str:
        ctype, delay = spec.split(":")
        h = workflow.start_local_activity(slow, 10.0, start_to_close_timeout=timedelta(seconds=30),
                                          cancellation_type=getattr(ActivityCancellationType, ctype))
        if float(delay) > 0:
            await asyncio.sleep(float(delay))
        t0 = workflow.now()
        h.cancel()
        try:
            r = await h
            out = "result " + r
        except BaseException as e:
            out = chain(e)
        return out + f" | waited {(workflow.now() - t0).total_seconds():.1f}"


@workflow.defn
class LongLocal:
    @workflow.run
    async def run(self, secs: float) -> str:
        t0 = workflow.now()
        r = await workflow.execute_local_activity(slow, secs, start_to_close_timeout=timedelta(seconds=30))
        return r + f" | now advanced {(workflow.now() - t0).total_seconds():.1f}"


async def main():
    client = await Client.connect(sys.argv[1])
    tq = f"la-record-{time.time()}"
    async with Worker(client, task_queue=tq, workflows=[LaCancel, LongLocal], activities=[slow],
                      workflow_runner=UnsandboxedWorkflowRunner()):
        for name, wf, arg in [
            ("python_la_try_cancel", LaCancel.run, "TRY_CANCEL:0.5"),
            ("python_la_wait_cancel", LaCancel.run, "WAIT_CANCELLATION_COMPLETED:0.5"),
            ("python_la_abandon", LaCancel.run, "ABANDON:0.5"),
            ("python_la_cancel_unstarted", LaCancel.run, "WAIT_CANCELLATION_COMPLETED:0"),
            ("python_la_heartbeat", LongLocal.run, 4.0),
        ]:
            result = await client.execute_workflow(wf, arg, id=name, task_queue=tq, task_timeout=timedelta(seconds=2))
            print(f"{name}\t{result}", flush=True)
        await asyncio.sleep(1.5)

asyncio.run(main())
