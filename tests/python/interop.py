"""Drives the reference target with the official Alibaba Cloud SDKs, as real clients.

Usage: interop.py SCENARIO URL

Each scenario prints one JSON object of what it observed; the Rust test
(tests/sdk_interop.rs) holds it against the contract. A scenario fails loudly (exit 1)
only when the SDK itself cannot be driven.
"""

import json
import sys
import time

from alibabacloud_fnf20190315 import models as fnf_models
from alibabacloud_fnf20190315.client import Client as FnfClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi import utils_models as open_api_util_models
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.utils import Utils as OpenApiUtils
from darabonba.runtime import RuntimeOptions

WAIT_FLOW = """version: v1
type: flow
steps:
  - type: wait
    name: hold
    duration: 1
  - type: pass
    name: done
"""


def host_of(url):
    return url.split("://", 1)[1].rstrip("/")


def fnf_client(url, secret="testsecret"):
    config = open_api_models.Config(
        access_key_id="testid",
        access_key_secret=secret,
        endpoint=host_of(url),
        protocol="http",
        region_id="cn-hangzhou",
        read_timeout=90000,
    )
    return FnfClient(config)


def sdk_error(call):
    """Runs call and returns the SDK error's code and HTTP status, or None if it succeeded."""
    try:
        call()
    except Exception as error:  # the SDK raises its own exception types
        return {"code": getattr(error, "code", None), "status": getattr(error, "statusCode", None),
                "kind": type(error).__name__}
    return None


def tea_v1_lifecycle(url):
    """alibabacloud-fnf20190315 (signature v1): create, start, long-poll, errors."""
    client = fnf_client(url)
    client.create_flow(fnf_models.CreateFlowRequest(
        name="sdk_flow", definition=WAIT_FLOW, description="made by the SDK", type="FDL"))
    started = client.start_execution(fnf_models.StartExecutionRequest(
        flow_name="sdk_flow", execution_name="sdk_exec", input='{"from":"sdk"}')).body.to_map()
    at_once = client.describe_execution(fnf_models.DescribeExecutionRequest(
        flow_name="sdk_flow", execution_name="sdk_exec", wait_time_seconds=0)).body.to_map()
    asked = time.monotonic()
    polled = client.describe_execution(fnf_models.DescribeExecutionRequest(
        flow_name="sdk_flow", execution_name="sdk_exec", wait_time_seconds=30))
    waited = time.monotonic() - asked
    return {
        "started": started,
        "at_once": at_once,
        "polled": polled.body.to_map(),
        "polled_status_code": polled.status_code,
        "polled_seconds": waited,
        "flow_not_exists": sdk_error(lambda: client.describe_execution(
            fnf_models.DescribeExecutionRequest(flow_name="no_such_flow", execution_name="sdk_exec"))),
        "execution_not_exists": sdk_error(lambda: client.describe_execution(
            fnf_models.DescribeExecutionRequest(flow_name="sdk_flow", execution_name="no_such_exec"))),
        "signature_not_match": sdk_error(lambda: fnf_client(url, secret="wrongsecret").describe_execution(
            fnf_models.DescribeExecutionRequest(flow_name="sdk_flow", execution_name="sdk_exec"))),
    }


def tea_v3_generic(url):
    """alibabacloud-tea-openapi's generic client, whose default signature is ACS3-HMAC-SHA256."""
    fnf_client(url).create_flow(fnf_models.CreateFlowRequest(
        name="v3_flow", definition=WAIT_FLOW, description="", type="FDL"))
    signed_with = []
    original = OpenApiUtils.get_authorization

    def recording(request, sign_type, payload, ak, secret):
        signed_with.append(sign_type)
        return original(request, sign_type, payload, ak, secret)

    OpenApiUtils.get_authorization = staticmethod(recording)
    config = open_api_models.Config(
        access_key_id="testid", access_key_secret="testsecret",
        endpoint=host_of(url), protocol="http", region_id="cn-hangzhou")
    client = OpenApiClient(config)

    def call(action, method, query):
        params = open_api_util_models.Params(
            action=action, version="2019-03-15", protocol="HTTP", pathname="/", method=method,
            auth_type="AK", style="RPC", req_body_type="formData", body_type="json")
        request = open_api_util_models.OpenApiRequest(query=OpenApiUtils.query(query))
        return client.call_api(params, request, RuntimeOptions())

    started = call("StartExecution", "POST", {"FlowName": "v3_flow", "ExecutionName": "v3_exec"})
    described = call("DescribeExecution", "GET", {"FlowName": "v3_flow", "ExecutionName": "v3_exec"})
    missing = sdk_error(lambda: call("DescribeExecution", "GET", {"FlowName": "v3_flow", "ExecutionName": "nope"}))
    return {
        "signed_with": signed_with,
        "started_status_code": started.get("statusCode"),
        "described_status_code": described.get("statusCode"),
        "described": described.get("body"),
        "execution_not_exists": missing,
    }


def core_v1(url):
    """aliyun-python-sdk-core with aliyun-python-sdk-fnf: the older SDK generation."""
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkfnf.request.v20190315.CreateFlowRequest import CreateFlowRequest
    from aliyunsdkfnf.request.v20190315.DescribeExecutionRequest import DescribeExecutionRequest
    from aliyunsdkfnf.request.v20190315.StartExecutionRequest import StartExecutionRequest

    client = AcsClient("testid", "testsecret", "cn-hangzhou", timeout=90)

    def prepared(request):
        request.set_endpoint(host_of(url))
        request.set_protocol_type("http")
        return request

    create = prepared(CreateFlowRequest())
    create.set_Name("core_flow")
    create.set_Definition(WAIT_FLOW)
    create.set_Description("made by the core SDK")
    create.set_Type("FDL")
    client.do_action_with_exception(create)

    start = prepared(StartExecutionRequest())
    start.set_FlowName("core_flow")
    start.set_ExecutionName("core_exec")
    start.set_Input('{"from":"core"}')
    client.do_action_with_exception(start)

    describe = prepared(DescribeExecutionRequest())
    describe.set_FlowName("core_flow")
    describe.set_ExecutionName("core_exec")
    describe.set_WaitTimeSeconds(30)
    described = json.loads(client.do_action_with_exception(describe))

    unknown = prepared(DescribeExecutionRequest())
    unknown.set_FlowName("no_such_flow")
    unknown.set_ExecutionName("core_exec")
    try:
        client.do_action_with_exception(unknown)
        error = None
    except ServerException as exception:
        error = {"code": exception.get_error_code(), "status": exception.get_http_status()}
    return {"described": described, "flow_not_exists": error}


SCENARIOS = {
    "tea-v1-lifecycle": tea_v1_lifecycle,
    "tea-v3-generic": tea_v3_generic,
    "core-v1": core_v1,
}

if __name__ == "__main__":
    scenario, url = sys.argv[1], sys.argv[2]
    print(json.dumps(SCENARIOS[scenario](url)))
