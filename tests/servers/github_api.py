"""GitHub's REST API as its documentation describes it, for the
organisation-audit tests (imported by git_http.py, which serves git on the
same port so that clone URLs stay on the API's host).

SPEC.json:
    {"token": "...",                  # required as "Bearer <token>" on every call
     "page_size": 2,                  # items per page (GitHub's is per_page)
     "secondary_limit_once": true,    # the first request for a page 2 gets a
                                      # 403 secondary rate limit, Retry-After: 1
     "orgs": {"acme": [repo, ...]},
     "users": {"dev": [repo, ...]},
     "issues": {"acme/app": [{"number": 1, "title": "...", "body": "...",
                              "user": "ann", "pull": false}]},
     "comments": {"acme/app": [{"id": 7, "number": 1, "body": "...",
                                "user": "bob", "pull": false}]},
     "review_comments": {"acme/app": [{"id": 9, "number": 2, "body": "..."}]}}
    repo: {"name": "acme/app", "fork": false, "archived": false, "has_wiki": false}

Answers carry x-ratelimit-limit/remaining/reset headers and paginate with
Link: <...>; rel="next".
"""

import json
import time
import urllib.parse


def page_answer(items, page, size, params, next_base, headers):
    """One page of `items` as JSON, with a `Link: <next_base?...page=N+1>;
    rel="next"` header while more follow (GitHub's and GitLab's paging)."""
    chunk = items[(page - 1) * size: page * size]
    if page * size < len(items):
        params = dict(params, page=[str(page + 1)])
        next_query = urllib.parse.urlencode({k: v[0] for k, v in params.items()})
        headers = headers + [("Link", f'<{next_base}?{next_query}>; rel="next"')]
    return 200, headers, json.dumps(chunk).encode()


class Api:
    prefix = "/api/v3"

    def __init__(self, spec_path, port):
        with open(spec_path) as f:
            self.spec = json.load(f)
        self.base = f"http://127.0.0.1:{port}"
        self.remaining = 5000
        self.limited = set()

    def repo_json(self, repo):
        name = repo["name"]
        return {
            "full_name": name,
            "name": name.split("/")[1],
            "clone_url": f"{self.base}/{name}.git",
            "html_url": f"{self.base}/{name}",
            "fork": repo.get("fork", False),
            "archived": repo.get("archived", False),
            "has_wiki": repo.get("has_wiki", False),
            "default_branch": "main",
            "size": 12,
            "private": repo.get("private", False),
        }

    def issue_json(self, repo, issue):
        kind = "pull" if issue.get("pull") else "issues"
        item = {
            "number": issue["number"],
            "title": issue["title"],
            "body": issue.get("body"),
            "html_url": f"{self.base}/{repo}/{kind}/{issue['number']}",
            "user": {"login": issue.get("user", "someone")},
            "created_at": "2026-11-02T10:00:00Z",
        }
        if issue.get("pull"):
            item["pull_request"] = {"url": f"{self.base}/api/v3/repos/{repo}/pulls/{issue['number']}"}
        return item

    def comment_json(self, repo, comment, review=False):
        kind = "pull" if comment.get("pull") or review else "issues"
        anchor = f"discussion_r{comment['id']}" if review else f"issuecomment-{comment['id']}"
        return {
            "id": comment["id"],
            "body": comment["body"],
            "html_url": f"{self.base}/{repo}/{kind}/{comment['number']}#{anchor}",
            "user": {"login": comment.get("user", "someone")},
            "created_at": "2026-11-03T10:00:00Z",
        }

    def answer(self, method, path, query, request_headers):
        authorization = request_headers.get("Authorization")
        self.remaining -= 1
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", str(self.remaining)),
            ("x-ratelimit-reset", str(int(time.time()) + 3600)),
        ]
        if authorization != f"Bearer {self.spec['token']}":
            return 401, headers, json.dumps({"message": "Bad credentials"}).encode()
        params = urllib.parse.parse_qs(query)
        page = int(params.get("page", ["1"])[0])
        if page == 2 and self.spec.get("secondary_limit_once") and path not in self.limited:
            self.limited.add(path)
            return 403, headers + [("Retry-After", "1")], json.dumps(
                {"message": "You have exceeded a secondary rate limit."}).encode()
        parts = path.strip("/").split("/")
        items = None
        if len(parts) == 3 and parts[0] == "orgs" and parts[2] == "repos":
            repos = self.spec.get("orgs", {}).get(parts[1])
            items = None if repos is None else [self.repo_json(r) for r in repos]
        elif len(parts) == 3 and parts[0] == "users" and parts[2] == "repos":
            repos = self.spec.get("users", {}).get(parts[1])
            items = None if repos is None else [self.repo_json(r) for r in repos]
        elif len(parts) == 3 and parts[0] == "repos":
            name = f"{parts[1]}/{parts[2]}"
            for repo in [r for rs in self.spec.get("orgs", {}).values() for r in rs]:
                if repo["name"] == name:
                    return 200, headers, json.dumps(self.repo_json(repo)).encode()
            return 404, headers, json.dumps({"message": "Not Found"}).encode()
        elif len(parts) >= 4 and parts[0] == "repos":
            name = f"{parts[1]}/{parts[2]}"
            rest = "/".join(parts[3:])
            if rest == "issues":
                items = [self.issue_json(name, i) for i in self.spec.get("issues", {}).get(name, [])]
            elif rest == "issues/comments":
                items = [self.comment_json(name, c) for c in self.spec.get("comments", {}).get(name, [])]
            elif rest == "pulls/comments":
                items = [self.comment_json(name, c, review=True)
                         for c in self.spec.get("review_comments", {}).get(name, [])]
            elif rest == "pulls":
                items = [self.issue_json(name, i) for i in self.spec.get("issues", {}).get(name, [])
                         if i.get("pull")]
        if items is None:
            return 404, headers, json.dumps({"message": "Not Found"}).encode()
        size = self.spec.get("page_size", 100)
        return page_answer(items, page, size, params, f"{self.base}{self.prefix}{path}", headers)
