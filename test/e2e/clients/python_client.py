"""Drives a Skiff cluster with the official Python client (Debian's python3-kubernetes) the
way its users do; every check raises with a clear message, so a non-zero exit is a failure.
Usage: python3 python_client.py KUBECONFIG NAMESPACE"""
import json
import sys
import time

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream

kubeconfig, ns = sys.argv[1], sys.argv[2]
config.load_kube_config(config_file=kubeconfig)
core, apps = client.CoreV1Api(), client.AppsV1Api()


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what, flush=True)


def api_error(fn):
    try:
        fn()
    except ApiException as e:
        return e
    raise AssertionError("expected an ApiException")


core.create_namespace({"metadata": {"name": ns}})
labels = {"app": "web"}
deployment = {
    "metadata": {"name": "web", "labels": labels},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"terminationGracePeriodSeconds": 1, "containers": [{"name": "web", "image": "host", "command": ["sleep", "3600"]}]}},
    },
}
apps.create_namespaced_deployment(ns, deployment)

# A watch loop waiting for the Deployment's pods to be Running (watch=True on the wire).
running = set()
w = watch.Watch()
for event in w.stream(core.list_namespaced_pod, ns, label_selector="app=web", timeout_seconds=90):
    pod = event["object"]
    if pod.status.phase == "Running":
        running.add(pod.metadata.name)
    if len(running) >= 2:
        w.stop()
check(len(running) == 2, "watch.Watch().stream saw both pods of deployment/web Running")

# Watch from a resourceVersion: only what happens after it.
pods = core.list_namespaced_pod(ns)
start_rv = pods.metadata.resource_version
core.create_namespaced_pod(ns, {"metadata": {"name": "solo", "labels": {"app": "solo"}}, "spec": {"terminationGracePeriodSeconds": 1, "containers": [
    {"name": "c", "image": "host", "command": ["sh", "-c", "echo one; echo two; echo three >&2; exec sleep 3600"]}]}})
seen = []
for event in watch.Watch().stream(core.list_namespaced_pod, ns, resource_version=start_rv, timeout_seconds=30):
    seen.append((event["type"], event["object"].metadata.name))
    if ("ADDED", "solo") in seen:
        break
check(("ADDED", "solo") in seen and not any(t == "ADDED" and n.startswith("web-") for t, n in seen),
      "a watch from a resourceVersion delivers the pod created after it, not the ones before")

# Errors as the client raises them.
e = api_error(lambda: core.read_namespaced_pod("ghost", ns))
check(e.status == 404 and json.loads(e.body)["reason"] == "NotFound", "404 NotFound for a missing pod")
e = api_error(lambda: core.create_namespaced_pod(ns, {"metadata": {"name": "Bad_Name"}, "spec": {"containers": [{"name": "c", "image": "host"}]}}))
body = json.loads(e.body)
check(e.status == 422 and body["reason"] == "Invalid" and any(c["field"] == "metadata.name" for c in body["details"]["causes"]),
      "422 Invalid with a cause naming metadata.name")
e = api_error(lambda: core.create_namespaced_pod(ns, {"metadata": {"name": "solo"}, "spec": {"containers": [{"name": "c", "image": "host"}]}}))
check(e.status == 409 and json.loads(e.body)["reason"] == "AlreadyExists", "409 AlreadyExists on a second create")

# Optimistic concurrency: a replace with a stale resourceVersion is a 409 Conflict.
# (A Service: no controller writes it, so only our own replace makes the resourceVersion stale.)
svc = core.create_namespaced_service(ns, {"metadata": {"name": "occ"}, "spec": {"ports": [{"port": 80}]}})
stale = svc.metadata.resource_version
svc.metadata.labels = {"tier": "front"}
core.replace_namespaced_service("occ", ns, svc)
svc.metadata.resource_version = stale
svc.metadata.labels = {"tier": "back"}
e = api_error(lambda: core.replace_namespaced_service("occ", ns, svc))
check(e.status == 409 and json.loads(e.body)["reason"] == "Conflict", "409 Conflict on a replace with a stale resourceVersion")

# Patches through the client's helpers, with the content type the client picks: a dict body is
# a strategic merge patch, a list a JSON patch. Client 22 has no _content_type argument; its
# users pick the other two with a default Content-Type header on an ApiClient of their own
# (which overrides the helper's), and its REST layer sends a str body as it is.
apps.patch_namespaced_deployment("web", ns, {"metadata": {"annotations": {"owner": "py"}}})
apps.patch_namespaced_deployment("web", ns, [{"op": "add", "path": "/metadata/labels/patched", "value": "json"}])
e = api_error(lambda: apps.patch_namespaced_deployment("web", ns, [{"op": "test", "path": "/metadata/labels/patched", "value": "nope"}]))
check(e.status == 422, "a failed JSON patch test is a 422")


def api_with_content_type(content_type):
    api_client = client.ApiClient()
    api_client.set_default_header("Content-Type", content_type)
    return client.AppsV1Api(api_client)


merge = api_with_content_type("application/merge-patch+json")
# A merge patch replaces a list whole (here the containers'), where a strategic one would merge by name.
d = merge.patch_namespaced_deployment("web", ns, {"metadata": {"labels": {"merged": "yes"}}})
check(d.metadata.labels.get("merged") == "yes" and d.metadata.annotations.get("owner") == "py", "merge patch through the helper")
e = api_error(lambda: merge.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [{"name": "web", "command": ["sleep", "1"]}]}}}}))
check(e.status == 422 and any(c["field"] == "spec.template.spec.containers[0].image" for c in json.loads(e.body)["details"]["causes"]),
      "the merge patch replaced the containers list (no image left: 422), as a strategic one would not")
apply = api_with_content_type("application/apply-patch+yaml")
applied = apply.patch_namespaced_deployment("web", ns, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    applied: 'yes'\n", field_manager="py-apply")
check(applied.metadata.labels.get("applied") == "yes", "server-side apply of a YAML body through the helper")
e = api_error(lambda: apply.patch_namespaced_deployment("web", ns, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    applied: other\n", field_manager="py-other"))
check(e.status == 409 and json.loads(e.body)["reason"] == "Conflict", "another manager's conflicting apply is a 409 Conflict")
apply.patch_namespaced_deployment("web", ns, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    applied: other\n", field_manager="py-other", force=True)
d = apps.read_namespaced_deployment("web", ns)
check(d.metadata.annotations.get("owner") == "py" and d.metadata.labels.get("patched") == "json" and d.metadata.labels.get("applied") == "other",
      "strategic-merge, JSON, merge and server-side-apply patches all landed")
check(any(m.manager == "py-other" and m.operation == "Apply" for m in d.metadata.managed_fields), "managedFields records the forced apply's manager")

# Logs: whole, tail_lines, limit_bytes, and followed through watch.Watch().stream.
def solo_log():
    try:
        return core.read_namespaced_pod_log("solo", ns)
    except ApiException as e:  # 400 while the container is still waiting to start, as in Kubernetes
        if e.status != 400:
            raise
        return e.body


deadline = time.time() + 60
while solo_log() != "one\ntwo\nthree\n":
    if time.time() > deadline:
        raise AssertionError("timed out waiting for solo's three log lines: %r" % solo_log())
    time.sleep(0.2)
check(core.read_namespaced_pod_log("solo", ns, tail_lines=1) == "three\n", "read_namespaced_pod_log tail_lines")
check(core.read_namespaced_pod_log("solo", ns, limit_bytes=6) == "one\ntw", "read_namespaced_pod_log limit_bytes")
lines = []
w = watch.Watch()
for line in w.stream(core.read_namespaced_pod_log, "solo", ns, container="c", follow=True):
    lines.append(line)
    if len(lines) == 3:
        w.stop()
check(lines == ["one", "two", "three"], "watch.Watch().stream follows the pod's log line by line")
e = api_error(lambda: core.read_namespaced_pod_log("solo", ns, container="nope"))
check(e.status == 400 and json.loads(e.body)["reason"] == "BadRequest", "logs of a container the pod lacks: 400 BadRequest")

# Exec through kubernetes.stream.stream (WebSocket, v4.channel.k8s.io).
# (stdout alone here: the order between stdout and stderr is not defined.)
out = stream(core.connect_get_namespaced_pod_exec, "solo", ns, command=["sh", "-c", "echo out; echo more"], stderr=True, stdin=False, stdout=True, tty=False)
check(out == "out\nmore\n", "stream() returns the command's output")
resp = stream(core.connect_get_namespaced_pod_exec, "solo", ns, command=["sh", "-c", "read line; echo got $line; echo oops >&2; exit 3"],
              stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
resp.write_stdin("hello\n")
resp.run_forever(timeout=60)
check(not resp.is_open() and resp.returncode == 3, "an exec's exit code comes back as returncode")
check(resp.read_stdout() == "got hello\n" and resp.read_stderr() == "oops\n", "stdin in, stdout and stderr apart")

# The scale subresource.
apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
check(apps.read_namespaced_deployment_scale("web", ns).spec.replicas == 3, "scale subresource read and patched")

# Paging with limit/continue, and selectors.
first = core.list_namespaced_pod(ns, limit=1)
check(len(first.items) == 1 and first.metadata._continue, "a page of one pod with a continue token")
rest = core.list_namespaced_pod(ns, limit=100, _continue=first.metadata._continue)
names = {p.metadata.name for p in first.items + rest.items}
check("solo" in names and len(names) == len(first.items) + len(rest.items), "the next page carries on without repeats")
check([p.metadata.name for p in core.list_namespaced_pod(ns, field_selector="metadata.name=solo").items] == ["solo"], "field selector")
check(all(p.metadata.labels["app"] == "web" for p in core.list_namespaced_pod(ns, label_selector="app=web").items), "label selector")

# Deletion: orphan keeps the ReplicaSet; foreground removes the Deployment after its dependents.
def eventually(fn, what, seconds=60):
    deadline = time.time() + seconds
    while not fn():
        if time.time() > deadline:
            raise AssertionError("timed out: " + what)
        time.sleep(0.2)
    print("ok:", what, flush=True)


# The garbage collector does the orphaning and the foreground wait, so both take a moment.
apps.delete_namespaced_deployment("web", ns, body=client.V1DeleteOptions(propagation_policy="Orphan"))
eventually(lambda: not apps.list_namespaced_deployment(ns).items, "the Deployment is gone after an orphan delete")
rs = apps.list_namespaced_replica_set(ns).items
check(len(rs) == 1 and not rs[0].metadata.owner_references, "orphan deletion left the ReplicaSet without its owner")
apps.delete_namespaced_replica_set(rs[0].metadata.name, ns, body=client.V1DeleteOptions(propagation_policy="Foreground"))
eventually(lambda: not apps.list_namespaced_replica_set(ns).items and not core.list_namespaced_pod(ns, label_selector="app=web").items,
           "a foreground delete removes the ReplicaSet after its pods")
print("done", flush=True)
