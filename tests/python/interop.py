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


PASS_FLOW = """version: v1
type: flow
steps:
  - type: pass
    name: done
"""


def finished_execution(url, flow, execution):
    """Creates a flow that ends at once and an execution of it, and waits for its end."""
    client = fnf_client(url)
    client.create_flow(fnf_models.CreateFlowRequest(
        name=flow, definition=PASS_FLOW, description="", type="FDL"))
    client.start_execution(fnf_models.StartExecutionRequest(
        flow_name=flow, execution_name=execution, input='{"from":"encodings"}'))
    client.describe_execution(fnf_models.DescribeExecutionRequest(
        flow_name=flow, execution_name=execution, wait_time_seconds=10))


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


def generic_client(url, record):
    """alibabacloud-tea-openapi's generic client; record(request, sign_type) sees every
    request as it is signed."""
    original = OpenApiUtils.get_authorization

    def recording(request, sign_type, payload, ak, secret):
        record(request, sign_type)
        return original(request, sign_type, payload, ak, secret)

    OpenApiUtils.get_authorization = staticmethod(recording)
    config = open_api_models.Config(
        access_key_id="testid", access_key_secret="testsecret",
        endpoint=host_of(url), protocol="http", region_id="cn-hangzhou")
    return OpenApiClient(config)


def tea_v3_generic(url):
    """alibabacloud-tea-openapi's generic client, whose default signature is ACS3-HMAC-SHA256."""
    fnf_client(url).create_flow(fnf_models.CreateFlowRequest(
        name="v3_flow", definition=WAIT_FLOW, description="", type="FDL"))
    signed_with = []
    client = generic_client(url, lambda request, sign_type: signed_with.append(sign_type))

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


def tea_v3_encodings(url):
    """alibabacloud-tea-openapi's generic client (ACS3-HMAC-SHA256): the same DescribeExecution
    as a GET query, a POST JSON body (application/json; charset=utf-8, its hash in
    x-acs-content-sha256) and a POST form body."""
    finished_execution(url, "enc_flow", "enc_exec")
    sent = []
    client = generic_client(url, lambda request, sign_type: sent.append({
        "method": request.method, "content_type": request.headers.get("content-type"),
        "query": sorted(request.query or {}), "body": request.body}))
    names = {"FlowName": "enc_flow", "ExecutionName": "enc_exec"}

    def call(method, body_type, query=None, body=None):
        params = open_api_util_models.Params(
            action="DescribeExecution", version="2019-03-15", protocol="HTTP", pathname="/",
            method=method, auth_type="AK", style="RPC", req_body_type=body_type, body_type="json")
        request = open_api_util_models.OpenApiRequest(
            query=OpenApiUtils.query(query) if query else None, body=body)
        answer = client.call_api(params, request, RuntimeOptions())
        return {"status": answer.get("statusCode"), "body": answer.get("body")}

    return {
        "get_query": call("GET", "formData", query=names),
        "post_json": call("POST", "json", body=names),
        "post_form": call("POST", "formData", body=names),
        "sent": sent,
    }


def core_post_form(url):
    """aliyun-python-sdk-core's CommonRequest: the same DescribeExecution as a GET query and as
    a POST whose operation parameters are a form body (its common parameters and signature
    stay in the query: what the core SDK sends for POST); and, signed by the core SDK's signer,
    with every parameter in the form body, as @alicloud/pop-core sends it."""
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import CommonRequest

    finished_execution(url, "core_enc_flow", "core_enc_exec")
    client = AcsClient("testid", "testsecret", "cn-hangzhou", timeout=30)
    sent = {}

    def call(method):
        request = CommonRequest(domain=host_of(url), version="2019-03-15",
                                action_name="DescribeExecution")
        request.set_protocol_type("http")
        request.set_method(method)
        for name, value in (("FlowName", "core_enc_flow"), ("ExecutionName", "core_enc_exec")):
            if method == "POST":
                request.add_body_params(name, value)
            else:
                request.add_query_param(name, value)
        status, headers, body, error = client._implementation_of_do_action(request)
        sent[method] = {"content_type": request.get_headers().get("Content-Type"),
                        "body": (request.get_content() or b"").decode() if isinstance(request.get_content(), bytes)
                        else request.get_content()}
        return {"status": status, "body": json.loads(body)}

    def everything_in_the_body():
        """What @alicloud/pop-core sends: every parameter, Format=JSON, RegionId and the
        signature (the core SDK's own v1 signer) in a POST form body, nothing in the query."""
        import urllib.error
        import urllib.parse
        import urllib.request
        from aliyunsdkcore.auth.composer import rpc_signature_composer
        from aliyunsdkcore.auth.algorithm import sha_hmac1

        params = {"Action": "DescribeExecution", "Version": "2019-03-15", "RegionId": "cn-hangzhou",
                  "FlowName": "core_enc_flow", "ExecutionName": "core_enc_exec"}
        signed, _ = rpc_signature_composer.get_signed_url(
            params, "testid", "testsecret", "JSON", "POST", {}, sha_hmac1)
        form = urllib.parse.parse_qsl(signed[2:], keep_blank_values=True)
        body = urllib.parse.urlencode(form).encode()
        sent["POST-everything-in-body"] = {"body_names": sorted(name for name, _ in form)}
        request = urllib.request.Request(url.rstrip("/") + "/", data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return {"status": answer.status, "body": json.loads(answer.read())}
        except urllib.error.HTTPError as error:
            return {"status": error.code, "body": json.loads(error.read())}

    return {"get_query": call("GET"), "post_form": call("POST"),
            "post_form_in_body": everything_in_the_body(), "sent": sent}


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


def answer_of(call):
    """What an application sees of one SDK call: the HTTP status and the body, or the SDK
    error's code, status and message."""
    try:
        status, body = call()
    except Exception as error:  # the SDK raises its own exception types
        return {"error": {"code": getattr(error, "code", None), "status": getattr(error, "statusCode", None),
                          "message": getattr(error, "message", None)}}
    return {"status": status, "body": body}


def poll_to_the_end(describe, flow, execution, wait):
    """Long polls as an application does: again and again until the execution has ended
    (at most 20 polls), then once more, waiting, for the final result."""
    answers = []
    for _ in range(20):
        seen = answer_of(lambda: describe(flow, execution, wait))
        answers.append(seen)
        if seen.get("body", {}).get("Status") != "Running":
            break
    answers.append(answer_of(lambda: describe(flow, execution, 5)))
    return answers


def app_calls(create, start, describe, delete):
    """An application's calls: create a flow, start an execution, read it at once, long poll
    it to the end, read a missing execution and an invalid name, delete the flow."""
    calls = {}
    calls["create"] = answer_of(lambda: create("app_flow", WAIT_FLOW))
    calls["start"] = answer_of(lambda: start("app_flow", "app_exec", '{"from":"app"}'))
    calls["at_once"] = answer_of(lambda: describe("app_flow", "app_exec", 0))
    calls["polls"] = poll_to_the_end(describe, "app_flow", "app_exec", 30)
    calls["missing_execution"] = answer_of(lambda: describe("app_flow", "no_such_exec", None))
    calls["missing_flow"] = answer_of(lambda: describe("no_such_flow", "app_exec", None))
    calls["invalid_name"] = answer_of(lambda: describe("app_flow", "1-starts-with-a-digit", None))
    calls["delete"] = answer_of(lambda: delete("app_flow"))
    return calls


def app_v1(url):
    """An application on alibabacloud-fnf20190315 (signature v1), as it would run through a
    proxy: every call's answer, for the test to compare with the same calls made directly."""
    client = fnf_client(url)

    def seen(response):
        return response.status_code, response.body.to_map()

    return app_calls(
        create=lambda flow, definition: seen(client.create_flow(fnf_models.CreateFlowRequest(
            name=flow, definition=definition, description="an application's flow", type="FDL"))),
        start=lambda flow, execution, given: seen(client.start_execution(fnf_models.StartExecutionRequest(
            flow_name=flow, execution_name=execution, input=given))),
        describe=lambda flow, execution, wait: seen(client.describe_execution(
            fnf_models.DescribeExecutionRequest(flow_name=flow, execution_name=execution,
                                                wait_time_seconds=wait))),
        delete=lambda flow: seen(client.delete_flow(fnf_models.DeleteFlowRequest(name=flow))),
    )


def app_v3(url):
    """The same application on alibabacloud-tea-openapi's generic client (ACS3-HMAC-SHA256)."""
    client = generic_client(url, lambda request, sign_type: None)

    def call(action, method, query):
        params = open_api_util_models.Params(
            action=action, version="2019-03-15", protocol="HTTP", pathname="/", method=method,
            auth_type="AK", style="RPC", req_body_type="formData", body_type="json")
        given = {name: value for name, value in query.items() if value is not None}
        request = open_api_util_models.OpenApiRequest(query=OpenApiUtils.query(given))
        answer = client.call_api(params, request, RuntimeOptions())
        return answer.get("statusCode"), answer.get("body")

    return app_calls(
        create=lambda flow, definition: call("CreateFlow", "POST", {
            "Name": flow, "Definition": definition, "Description": "", "Type": "FDL"}),
        start=lambda flow, execution, given: call("StartExecution", "POST", {
            "FlowName": flow, "ExecutionName": execution, "Input": given}),
        describe=lambda flow, execution, wait: call("DescribeExecution", "GET", {
            "FlowName": flow, "ExecutionName": execution,
            "WaitTimeSeconds": None if wait is None else str(wait)}),
        delete=lambda flow: call("DeleteFlow", "POST", {"Name": flow}),
    )


SCENARIOS = {
    "tea-v1-lifecycle": tea_v1_lifecycle,
    "tea-v3-generic": tea_v3_generic,
    "core-v1": core_v1,
    "tea-v3-encodings": tea_v3_encodings,
    "core-post-form": core_post_form,
    "app-v1": app_v1,
    "app-v3": app_v3,
}

if __name__ == "__main__":
    scenario, url = sys.argv[1], sys.argv[2]
    print(json.dumps(SCENARIOS[scenario](url)))
