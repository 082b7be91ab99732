"""A local double of the GitHub REST API (the part mlhub uses), answering with the shapes of
real recorded GitHub responses (github_shapes/), checking the token, and able to fail any step:
server errors, rate limits and timeouts (after doing the work, like a real lost response)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from tests.fakes.server import LocalDouble

SHAPES = Path(__file__).parent / "github_shapes"


def shape(name: str):
    return json.loads((SHAPES / f"{name}.json").read_text())


def _sha(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()


@dataclass
class Pull:
    number: int
    title: str
    body: str
    head: str
    base: str
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)


class FakeGitHub(LocalDouble):
    """State of one repository plus the server that serves it under /api/v3. Faults ('500',
    '502', 'rate-403', 'rate-429', or 'timeout': the call takes effect, the answer comes too late)
    are queued per route with fail(), or for the n-th request with fail_at(); 4xx faults answer with
GitHub's error bodies (ERRORS)."""

    def __init__(self, owner="acme", name="mlhub", token="test-token", files: dict[str, str] | None = None,
                 timeout_delay: float = 1.5):
        self.owner, self.name, self.token = owner, name, token
        self.default_branch = "main"
        self.lock = threading.RLock()
        self.branches: dict[str, str] = {}
        self.files: dict[str, dict[str, str]] = {}
        self.pulls: list[Pull] = []
        self.commits: dict[str, dict[str, str]] = {}
        self.requests: list[tuple[str, str]] = []
        self.timeout_delay = timeout_delay
        self.by_index: dict[int, str] = {}  # fail the n-th request from now, whatever its route
        self._commit("main", dict(files or {}), "initial")
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        return self.base_url

    def fail_at(self, n: int, mode: str) -> None:
        """Make request number n (counted in self.requests, from 0) fail with `mode`."""
        self.by_index[n] = mode

    def calls(self, route: str) -> int:
        return sum(1 for r, _ in self.requests if r == route)

    # --- state ----------------------------------------------------------------------------------

    def _commit(self, branch: str, files: dict[str, str], msg: str) -> str:
        sha = _sha(branch, msg, json.dumps(files, sort_keys=True), str(time.time_ns()))
        self.branches[branch] = sha
        self.files[branch] = files
        self.commits[sha] = dict(files)  # commits outlive their branch, as in git
        return sha

    def _repo_json(self) -> dict:
        data = shape("repository")
        full = f"{self.owner}/{self.name}"
        api = f"{self.url}/api/v3/repos/{full}"
        data.update(name=self.name, full_name=full, default_branch=self.default_branch,
                    url=api, html_url=f"{self.url}/{full}", private=True)
        data["owner"] = dict(data["owner"], login=self.owner)
        for key, value in list(data.items()):
            if isinstance(value, str) and "api.github.com/repos/" in value:
                data[key] = re.sub(r"https://api\.github\.com/repos/[^/{]+/[^/{]+", api, value)
        return data

    def _ref_json(self, branch: str) -> dict:
        data = shape("ref")
        data["ref"] = f"refs/heads/{branch}"
        data["url"] = f"{self.url}/api/v3/repos/{self.owner}/{self.name}/git/refs/heads/{branch}"
        data["object"] = dict(data["object"], sha=self.branches[branch], type="commit",
                              url=f"{self.url}/api/v3/repos/{self.owner}/{self.name}/git/commits/"
                                  f"{self.branches[branch]}")
        return data

    def _content_json(self, path: str, text: str, branch: str) -> dict:
        data = shape("file_contents")
        raw = text.encode()
        api = f"{self.url}/api/v3/repos/{self.owner}/{self.name}/contents/{path}?ref={branch}"
        data.update(name=path.rsplit("/", 1)[-1], path=path, sha=_sha(text), size=len(raw), type="file",
                    encoding="base64", content=base64.b64encode(raw).decode(), url=api,
                    html_url=f"{self.url}/{self.owner}/{self.name}/blob/{branch}/{path}",
                    git_url=api, download_url=None)
        data["_links"] = {"self": api, "git": api, "html": data["html_url"]}
        return data

    def _pull_json(self, pull: Pull, shape_name: str = "pull") -> dict:
        data = shape(shape_name)
        base_api = f"{self.url}/api/v3/repos/{self.owner}/{self.name}"
        data.update(number=pull.number, title=pull.title, body=pull.body, state=pull.state,
                    id=1000 + pull.number, url=f"{base_api}/pulls/{pull.number}",
                    html_url=f"{self.url}/{self.owner}/{self.name}/pull/{pull.number}",
                    issue_url=f"{base_api}/issues/{pull.number}",
                    labels=[dict(shape("labels")[0], name=name) for name in pull.labels],
                    requested_reviewers=[dict(data["user"], login=r) for r in pull.reviewers])
        for side, branch in (("head", pull.head), ("base", pull.base)):
            data[side] = dict(data[side], ref=branch, sha=self.branches.get(branch, ""),
                              label=f"{self.owner}:{branch}", repo=self._repo_json())
        return data

    def _issue_json(self, pull: Pull) -> dict:
        data = shape("issue")
        base_api = f"{self.url}/api/v3/repos/{self.owner}/{self.name}"
        data.update(number=pull.number, title=pull.title, body=pull.body, state=pull.state,
                    url=f"{base_api}/issues/{pull.number}", labels_url=f"{base_api}/issues/{pull.number}"
                    "/labels{/name}", html_url=f"{self.url}/{self.owner}/{self.name}/pull/{pull.number}",
                    labels=[dict(shape("labels")[0], name=name) for name in pull.labels],
                    repository_url=base_api, comments_url=f"{base_api}/issues/{pull.number}/comments",
                    events_url=f"{base_api}/issues/{pull.number}/events")
        return data

    # --- HTTP -------------------------------------------------------------------------------------

    ROUTES = [
        ("GET", r"", "get_repo"),
        ("GET", r"/git/ref/heads/(?P<branch>.+)", "get_ref"),
        ("GET", r"/git/refs/heads/(?P<prefix>.*)", "list_refs"),
        ("POST", r"/git/refs", "create_ref"),
        ("DELETE", r"/git/refs/heads/(?P<branch>.+)", "delete_ref"),
        ("GET", r"/contents/(?P<path>.+)", "get_contents"),
        ("PUT", r"/contents/(?P<path>.+)", "create_file"),
        ("GET", r"/pulls", "list_pulls"),
        ("POST", r"/pulls", "create_pull"),
        ("GET", r"/pulls/(?P<number>\d+)", "get_pull"),
        ("POST", r"/pulls/(?P<number>\d+)/requested_reviewers", "request_reviewers"),
        ("GET", r"/issues/(?P<number>\d+)", "get_issue"),
        ("POST", r"/issues/(?P<number>\d+)/labels", "add_labels"),
    ]

    def handle(self, method: str, path: str, query: dict, body) -> tuple[int, object, dict]:
        prefix = f"/api/v3/repos/{self.owner}/{self.name}"
        if not path.startswith(prefix):
            return 404, {"message": "Not Found"}, {}
        rest = path[len(prefix):].rstrip("/") if path != prefix + "/" else ""
        for verb, pattern, route in self.ROUTES:
            if verb == method and (m := re.fullmatch(pattern, rest)):
                with self.lock:
                    fault = self.by_index.pop(len(self.requests), None) or self.next_fault(route)
                    self.requests.append((route, path))
                    if fault and fault != "timeout":
                        return _fault(fault)
                    status, payload = getattr(self, f"_{route}")(query, body, **m.groupdict())
                return status, payload, {"timeout": fault == "timeout"}
        return 404, {"message": "Not Found"}, {}

    def _get_repo(self, q, b):
        return 200, self._repo_json()

    def _get_ref(self, q, b, branch):
        if branch not in self.branches:
            return 404, {"message": "Not Found"}
        return 200, self._ref_json(branch)

    def _list_refs(self, q, b, prefix):
        found = [self._ref_json(n) for n in sorted(self.branches) if n.startswith(prefix)]
        return (200, found) if found else (404, {"message": "Not Found"})

    def _create_ref(self, q, b):
        branch = b["ref"].removeprefix("refs/heads/")
        if branch in self.branches:
            return 422, {"message": "Reference already exists"}
        base = next((n for n, s in self.branches.items() if s == b["sha"]), None)
        if base is None and b["sha"] not in self.commits:
            return 422, {"message": "Object does not exist"}
        self.branches[branch] = b["sha"]
        self.files[branch] = dict(self.files[base] if base else self.commits[b["sha"]])
        data = self._ref_json(branch)
        return 201, data

    def _delete_ref(self, q, b, branch):
        if branch not in self.branches:
            return 422, {"message": "Reference does not exist"}
        del self.branches[branch]
        self.files.pop(branch, None)
        return 204, None

    def _get_contents(self, q, b, path):
        branch = q.get("ref", [self.default_branch])[0]
        files = self.files.get(branch)
        if files is None:
            return 404, {"message": "No commit found for the ref " + branch}
        path = unquote(path)
        if path in files:
            return 200, self._content_json(path, files[path], branch)
        listing = [p for p in files if p.startswith(path.rstrip("/") + "/")]
        if listing:
            entries = []
            for p in sorted(listing):
                entry = dict(shape("directory_contents")[0])
                entry.update(name=p.rsplit("/", 1)[-1], path=p, type="file", sha=_sha(files[p]))
                entries.append(entry)
            return 200, entries
        return 404, {"message": "Not Found"}

    def _create_file(self, q, b, path):
        path = unquote(path)
        branch = b.get("branch", self.default_branch)
        if branch not in self.files:
            return 404, {"message": "Branch not found"}
        exists = path in self.files[branch]
        if exists and "sha" not in b:
            return 422, {"message": "Invalid request.\n\n\"sha\" wasn't supplied."}
        if exists and b["sha"] != _sha(self.files[branch][path]):
            return 409, {"message": f"{path} does not match {b['sha']}"}
        text = base64.b64decode(b["content"]).decode()
        files = dict(self.files[branch], **{path: text})
        sha = self._commit(branch, files, b["message"])
        data = shape("created_file")
        data["content"] = dict(data["content"], **{k: v for k, v in self._content_json(path, text, branch)
                                                   .items() if k in data["content"]})
        data["commit"] = dict(data["commit"], sha=sha, message=b["message"])
        return (200 if exists else 201), data

    def _list_pulls(self, q, b):
        state = q.get("state", ["open"])[0]
        head = q.get("head", [None])[0]
        found = [p for p in self.pulls if (state == "all" or p.state == state)
                 and (head is None or f"{self.owner}:{p.head}" == head)]
        return 200, [self._pull_json(p) for p in found]

    def _create_pull(self, q, b):
        head = b["head"].split(":")[-1]
        if head not in self.branches:
            return 422, {"message": "Validation Failed", "errors": [{"field": "head", "code": "invalid"}]}
        if any(p.head == head and p.state == "open" for p in self.pulls):
            return 422, {"message": "Validation Failed", "errors": [
                {"message": f"A pull request already exists for {self.owner}:{head}."}]}
        pull = Pull(len(self.pulls) + 1, b["title"], b.get("body") or "", head, b["base"])
        self.pulls.append(pull)
        return 201, self._pull_json(pull)

    def _pull(self, number) -> Pull | None:
        return next((p for p in self.pulls if p.number == int(number)), None)

    def _get_pull(self, q, b, number):
        pull = self._pull(number)
        return (200, self._pull_json(pull)) if pull else (404, {"message": "Not Found"})

    def _get_issue(self, q, b, number):
        pull = self._pull(number)
        return (200, self._issue_json(pull)) if pull else (404, {"message": "Not Found"})

    def _add_labels(self, q, b, number):
        pull = self._pull(number)
        if pull is None:
            return 404, {"message": "Not Found"}
        names = b if isinstance(b, list) else b.get("labels", [])
        pull.labels += [n for n in names if n not in pull.labels]
        return 200, [dict(shape("labels")[0], name=n) for n in pull.labels]

    def _request_reviewers(self, q, b, number):
        pull = self._pull(number)
        if pull is None:
            return 404, {"message": "Not Found"}
        pull.reviewers += [r for r in b.get("reviewers", []) if r not in pull.reviewers]
        return 201, self._pull_json(pull, "review_requested_pull")

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                if self.headers.get("Authorization") not in (f"token {fake.token}", f"Bearer {fake.token}"):
                    return self._send(401, {"message": "Bad credentials"}, {})
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                status, payload, extra = fake.handle(self.command, url.path, parse_qs(url.query), body)
                if extra.get("timeout"):
                    time.sleep(fake.timeout_delay)
                headers = extra.get("headers", {})
                self._send(status, payload, headers)

            def _send(self, status, payload, headers):
                data = b"" if payload is None else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout we caused)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, *args):
                pass

        return Handler


DOCS = "https://docs.github.com/rest"
# GitHub's error bodies as it sends them: a message and a documentation_url; 422 adds errors[]
ERRORS: dict[str, dict] = {
    "400": {"message": "Problems parsing JSON", "documentation_url": DOCS},
    "401": {"message": "Bad credentials", "documentation_url": DOCS},
    "403": {"message": "Resource not accessible by integration", "documentation_url": DOCS},
    "404": {"message": "Not Found", "documentation_url": DOCS},
    "409": {"message": "Conflict", "documentation_url": DOCS},
    "422": {"message": "Validation Failed", "errors": [{"resource": "Repository", "code": "custom",
                                                        "message": "Repository was archived so is read-only."}],
            "documentation_url": DOCS},
    "500": {"message": "Server Error"},
    "502": {"message": "Server Error"},
    "503": {"message": "Service Unavailable"},
}


def _fault(mode: str) -> tuple[int, object, dict]:
    reset = str(int(time.time()) + 1)
    if mode in ERRORS:
        return int(mode), ERRORS[mode], {}
    if mode == "rate-403":
        return 403, {"message": "API rate limit exceeded"}, {
            "headers": {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}}
    if mode == "rate-429":
        return 429, {"message": "You have exceeded a secondary rate limit."}, {
            "headers": {"Retry-After": "1"}}
    raise ValueError(mode)
