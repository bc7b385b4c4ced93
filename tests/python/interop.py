"""The Python side of the interoperability tests (tests/tests/interop_python.rs).

Runs the real Python SDK (temporalio, pinned in tests/python.rs, which installs it and runs this
script with PYTHONPATH set) against the Rust SDK on one dev server:

  interop.py worker --address HOST:PORT --task-queue Q [--codec] [--encoded-failures]
      Runs a Python worker with every workflow and activity below on Q. Prints "READY <Q>" on
      stdout once the server has seen its pollers, then runs until killed.

  interop.py client --address HOST:PORT --task-queue Q --workflow NAME [--arg JSON]...
                    [--raw-arg ENCODING=TEXT]... [--execution-arg WORKFLOW_ID,RUN_ID]...
                    [--id ID] [--no-wait] [--task-timeout SECONDS]
                    [--codec] [--encoded-failures]
      Starts workflow NAME by name with the given arguments (one payload each, as Python always
      sends them), waits for its result unless --no-wait, and prints one JSON line on stdout:
      {"workflow_id", "run_id", "result"} or {"workflow_id", "run_id", "error"} (the exception
      and its cause chain, see describe_error). The --raw-arg payloads (made by hand, bypassing
      Python's converter) follow the --arg ones, then the --execution-arg protobuf messages
      (temporal.api.common.v1.WorkflowExecution, which Python writes as json/protobuf).

--codec: the Temporal samples' AES-GCM encryption codec with the samples' test key.
--encoded-failures: DefaultFailureConverterWithEncodedAttributes.

Bytes cannot travel in JSON on the command line or stdout, so `{"__bytes__": "<hex>"}` stands for
a Python `bytes` value in both (top level: a binary/plain payload).
"""

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import traceback
from datetime import timedelta
from typing import Any, Optional

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio import activity, workflow
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload, WorkflowExecution
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import RawValue, RetryPolicy
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)
from temporalio.exceptions import ActivityError, ApplicationError, FailureError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

# The samples' test key (tests and demos only) and the codec's wire format: metadata
# `encoding: binary/encrypted` and `encryption-key-id`, data = 12-byte random nonce followed by
# the AES-GCM ciphertext (tag appended) of the whole serialized Payload, no associated data.
KEY_ID = "test-key-id"
KEY = b"test-key-test-key-test-key-test!"
ENCRYPTED = b"binary/encrypted"
NONCE_SIZE = 12


class EncryptionCodec(PayloadCodec):
    def __init__(self, key_id: str = KEY_ID, key: bytes = KEY) -> None:
        self.key_id = key_id
        self.cipher = AESGCM(key)

    async def encode(self, payloads):
        out = []
        for payload in payloads:
            nonce = os.urandom(NONCE_SIZE)
            sealed = self.cipher.encrypt(nonce, payload.SerializeToString(), None)
            out.append(
                Payload(
                    metadata={"encoding": ENCRYPTED, "encryption-key-id": self.key_id.encode()},
                    data=nonce + sealed,
                )
            )
        return out

    async def decode(self, payloads):
        out = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCRYPTED:
                # Not ours (written before encryption, or by the SDK itself): pass it on.
                out.append(payload)
                continue
            key_id = payload.metadata.get("encryption-key-id", b"").decode()
            if key_id != self.key_id:
                raise ValueError(f"payload encrypted with unknown key id {key_id!r}")
            nonce, sealed = payload.data[:NONCE_SIZE], payload.data[NONCE_SIZE:]
            out.append(Payload.FromString(self.cipher.decrypt(nonce, sealed, None)))
        return out


def data_converter(args) -> DataConverter:
    converter = DataConverter.default
    if args.codec:
        converter = dataclasses.replace(converter, payload_codec=EncryptionCodec())
    if args.encoded_failures:
        converter = dataclasses.replace(
            converter, failure_converter_class=DefaultFailureConverterWithEncodedAttributes
        )
    return converter


# ---- JSON on the command line and stdout ---------------------------------------------------


def from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return bytes.fromhex(value["__bytes__"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def to_json(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": bytes(value).hex()}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json(dataclasses.asdict(value))
    if isinstance(value, Message):
        return {"__proto__": value.DESCRIPTOR.full_name, "json": MessageToDict(value)}
    return value


def describe_error(err: Optional[BaseException]) -> Optional[dict]:
    """An exception and its cause chain as Python's SDK decoded it."""
    if err is None:
        return None
    out: dict = {"class": type(err).__name__, "message": getattr(err, "message", str(err))}
    if isinstance(err, ApplicationError):
        out.update(
            type=err.type,
            non_retryable=err.non_retryable,
            details=to_json(list(err.details)),
        )
    if isinstance(err, ActivityError):
        out.update(activity_type=err.activity_type, retry_state=int(err.retry_state or 0))
    failure = err.failure if isinstance(err, FailureError) else None
    if failure is not None:
        # What arrived on the wire, besides what Python made of it: whether the message travelled
        # in encoded attributes (Python's decoded copy keeps them), and the sender's `source`.
        out.update(
            encoded_attributes=failure.HasField("encoded_attributes"),
            source=failure.source,
        )
    cause = err.cause if isinstance(err, (WorkflowFailureError, ActivityError)) else err.__cause__
    out["cause"] = describe_error(cause)
    return out


# ---- Workflows and activities the Rust side calls --------------------------------------------


@dataclasses.dataclass
class Item:
    sku: str
    quantity: int
    unit_price: float


@dataclasses.dataclass
class Order:
    order_id: str
    items: list[Item]
    note: Optional[str]
    gift: bool


@dataclasses.dataclass
class Receipt:
    order_id: str
    item_count: int
    total: float
    skus: list[str]
    note: Optional[str]
    handled_by: str


def checkout(order: Order, handled_by: str) -> Receipt:
    # The same computation as the Rust `Checkout` workflow, so the two results compare.
    return Receipt(
        order_id=order.order_id,
        item_count=sum(i.quantity for i in order.items),
        total=sum(i.quantity * i.unit_price for i in order.items),
        skus=sorted(i.sku for i in order.items),
        note=order.note,
        handled_by=handled_by,
    )


@workflow.defn(name="PyCheckout")
class PyCheckout:
    """Typed: Rust's JSON must decode into these dataclasses by Python's rules."""

    @workflow.run
    async def run(self, order: Order) -> Receipt:
        return checkout(order, "python")


@workflow.defn(name="PyEcho")
class PyEcho:
    """Untyped: returns what Python decoded, with the Python type it decoded to."""

    @workflow.run
    async def run(self, value: Any) -> dict:
        return {"python_type": type(value).__name__, "value": value}


@workflow.defn(name="PyCallsActivity")
class PyCallsActivity:
    """Calls an activity by name on another task queue (a Rust worker's) with one argument,
    once; returns its result, or the failure as Python read it."""

    @workflow.run
    async def run(self, call: dict) -> dict:
        try:
            result = await workflow.execute_activity(
                call["activity"],
                args=[call["arg"]],
                task_queue=call["task_queue"],
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
            return {"result": result}
        except ActivityError as err:
            return {"error": describe_error(err)}


@workflow.defn(name="PyCompose")
class PyCompose:
    """Two parameters, for the two-argument tests (Python client/Rust client → workflow)."""

    @workflow.run
    async def run(self, greeting: str, name: str) -> str:
        return f"{greeting}, {name}!"


@workflow.defn(name="PyProtoEcho")
class PyProtoEcho:
    """A protobuf message in and out: Python picks the class from the payload's messageType,
    whichever of json/protobuf or binary/protobuf it came as, and writes json/protobuf back."""

    @workflow.run
    async def run(self, execution: WorkflowExecution) -> WorkflowExecution:
        return WorkflowExecution(workflow_id=execution.workflow_id + "-py", run_id=execution.run_id)


@workflow.defn(name="PyIdentity")
class PyIdentity:
    """Returns its input as Python re-encodes it, to compare Python's payload bytes with ours."""

    @workflow.run
    async def run(self, value: Any) -> Any:
        return value


@activity.defn(name="py_shout")
async def py_shout(text: str) -> str:
    return text.upper() + " (python)"


@activity.defn(name="py_decline")
async def py_decline(reason: str) -> str:
    raise ApplicationError(
        f"declined: {reason}",
        {"code": 42, "reason": reason},
        "second detail",
        type="PyDeclined",
        non_retryable=True,
    )


@activity.defn(name="py_compose")
async def py_compose(greeting: str, name: str) -> str:
    """Two parameters, for the two-argument tests (Rust workflow → activity)."""
    return f"{greeting}, {name}!"


WORKFLOWS = [PyCheckout, PyEcho, PyCallsActivity, PyCompose, PyProtoEcho, PyIdentity]
ACTIVITIES = [py_shout, py_decline, py_compose]


# ---- Subcommands ---------------------------------------------------------------------------


async def wait_for_pollers(client: Client, task_queue: str) -> None:
    """Returns once the server lists pollers of this worker on both kinds of task queue, so
    "READY" means polling, not merely started."""
    for kind in (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY):
        for _ in range(400):
            resp = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=client.namespace,
                    task_queue=TaskQueue(name=task_queue),
                    task_queue_type=kind,
                )
            )
            if any(p.identity == client.identity for p in resp.pollers):
                break
            await asyncio.sleep(0.025)
        else:
            raise RuntimeError(f"no pollers of this worker on {task_queue} ({kind}) after 10 s")


async def run_worker(args) -> None:
    client = await Client.connect(args.address, data_converter=data_converter(args))
    worker = Worker(
        client,
        task_queue=args.task_queue,
        workflows=WORKFLOWS,
        activities=ACTIVITIES,
        # The sandbox guards Python workflow code against non-determinism; it changes nothing
        # on the wire and would re-import this script (argparse, cryptography) per workflow run.
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    async with worker:
        await wait_for_pollers(client, args.task_queue)
        print(f"READY {args.task_queue}", flush=True)
        await asyncio.Event().wait()


async def run_client(args) -> None:
    client = await Client.connect(args.address, data_converter=data_converter(args))
    call_args: list[Any] = [from_json(json.loads(a)) for a in args.arg]
    for proto in args.execution_arg:
        workflow_id, _, run_id = proto.partition(",")
        call_args.append(WorkflowExecution(workflow_id=workflow_id, run_id=run_id))
    for raw in args.raw_arg:
        encoding, _, text = raw.partition("=")
        call_args.append(RawValue(Payload(metadata={"encoding": encoding.encode()}, data=text.encode())))
    workflow_id = args.id or f"py-client-{os.getpid()}-{os.urandom(4).hex()}"
    handle = await client.start_workflow(
        args.workflow,
        args=call_args,
        id=workflow_id,
        task_queue=args.task_queue,
        execution_timeout=timedelta(seconds=60),
        task_timeout=timedelta(seconds=args.task_timeout) if args.task_timeout else None,
    )
    out: dict = {"workflow_id": handle.id, "run_id": handle.result_run_id}
    if not args.no_wait:
        try:
            out["result"] = to_json(await handle.result())
        except WorkflowFailureError as err:
            out["error"] = describe_error(err)
    print(json.dumps(out), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("worker", "client"):
        p = sub.add_parser(name)
        p.add_argument("--address", required=True)
        p.add_argument("--task-queue", required=True)
        p.add_argument("--codec", action="store_true")
        p.add_argument("--encoded-failures", action="store_true")
        if name == "client":
            p.add_argument("--workflow", required=True)
            p.add_argument("--arg", action="append", default=[], help="one argument, as JSON")
            p.add_argument("--raw-arg", action="append", default=[], help="ENCODING=TEXT: a raw payload")
            p.add_argument(
                "--execution-arg", action="append", default=[], help="WORKFLOW_ID,RUN_ID: a WorkflowExecution message"
            )
            p.add_argument("--id")
            p.add_argument("--no-wait", action="store_true")
            p.add_argument("--task-timeout", type=float, help="workflow task timeout, seconds")
    args = parser.parse_args()
    code = 0
    try:
        asyncio.run(run_worker(args) if args.command == "worker" else run_client(args))
    except Exception:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    # Skips the interpreter's shutdown: the SDK's native runtime threads can abort it
    # ("PyGILState_Release ... must be current"), which would turn a finished call into exit 134.
    os._exit(code)


if __name__ == "__main__":
    main()
