"""GitLab's REST API (v4) as its documentation describes it, for the
organisation-audit tests (imported by git_http.py, which serves git on the
same port so that clone URLs stay on the API's host).

SPEC.json:
    {"platform": "gitlab",
     "token": "...",                 # required in PRIVATE-TOKEN (or as Bearer)
     "page_size": 2,                 # items per page (GitLab's per_page)
     "groups": {"platform/backend": [project, ...]},   # subgroups included
     "users": {"dev": [project, ...]},
     "issues": {"platform/backend/api": [{"iid": 1, "title": "...",
                "description": "...", "author": "ann"}]},
     "merge_requests": {...same shape...},
     "notes": {"platform/backend/api": [{"id": 31, "on": "issues", "iid": 1,
               "body": "...", "author": "bob", "type": null, "system": false}]}}
    project: {"path": "platform/backend/api", "archived": false,
              "fork": false, "wiki": false}

Projects are addressed as GitLab does, by URL-encoded path
(`/projects/platform%2Fbackend%2Fapi`). Answers carry GitLab's
RateLimit-Limit/Remaining/Reset headers and paginate with
Link: <...>; rel="next".
"""

import json
import time
import urllib.parse

from github_api import page_answer


class Api:
    prefix = "/api/v4"

    def __init__(self, spec_path, port):
        with open(spec_path) as f:
            self.spec = json.load(f)
        self.base = f"http://127.0.0.1:{port}"
        self.remaining = 2000

    def project_json(self, project):
        path = project["path"]
        return {
            "id": abs(hash(path)) % 100000,
            "path_with_namespace": path,
            "http_url_to_repo": f"{self.base}/{path}.git",
            "web_url": f"{self.base}/{path}",
            "archived": project.get("archived", False),
            "forked_from_project": {"id": 1} if project.get("fork") else None,
            "wiki_enabled": project.get("wiki", False),
            "default_branch": "main",
        }

    def thread_json(self, project, kind, thread):
        return {
            "iid": thread["iid"],
            "title": thread["title"],
            "description": thread.get("description"),
            "web_url": f"{self.base}/{project}/-/{kind}/{thread['iid']}",
            "author": {"username": thread.get("author", "someone")},
            "created_at": "2026-11-02T10:00:00.000Z",
        }

    def note_json(self, note):
        return {
            "id": note["id"],
            "body": note["body"],
            "type": note.get("type"),
            "system": note.get("system", False),
            "author": {"username": note.get("author", "someone")},
            "created_at": "2026-11-03T10:00:00.000Z",
        }

    def projects_of(self, table, owner):
        projects = self.spec.get(table, {}).get(owner)
        if projects is None:
            return None
        return [self.project_json(p) for p in projects]

    def answer(self, method, path, query, request_headers):
        self.remaining -= 1
        headers = [
            ("Content-Type", "application/json"),
            ("RateLimit-Limit", "2000"),
            ("RateLimit-Remaining", str(self.remaining)),
            ("RateLimit-Reset", str(int(time.time()) + 60)),
        ]
        token = request_headers.get("PRIVATE-TOKEN")
        bearer = request_headers.get("Authorization")
        if token != self.spec["token"] and bearer != f"Bearer {self.spec['token']}":
            return 401, headers, json.dumps({"message": "401 Unauthorized"}).encode()
        params = urllib.parse.parse_qs(query)
        page = int(params.get("page", ["1"])[0])
        # The path arrives still encoded: `platform%2Fbackend` is one segment.
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        items = None
        if len(parts) == 3 and parts[0] == "groups" and parts[2] == "projects":
            items = self.projects_of("groups", parts[1])
        elif len(parts) == 3 and parts[0] == "users" and parts[2] == "projects":
            items = self.projects_of("users", parts[1])
        elif len(parts) == 2 and parts[0] == "projects":
            for projects in self.spec.get("groups", {}).values():
                for p in projects:
                    if p["path"] == parts[1]:
                        return 200, headers, json.dumps(self.project_json(p)).encode()
        elif len(parts) == 3 and parts[0] == "projects" and parts[2] in ("issues", "merge_requests"):
            threads = self.spec.get(parts[2], {}).get(parts[1], [])
            items = [self.thread_json(parts[1], parts[2], t) for t in threads]
        elif len(parts) == 5 and parts[0] == "projects" and parts[4] == "notes":
            items = [self.note_json(n) for n in self.spec.get("notes", {}).get(parts[1], [])
                     if n["on"] == parts[2] and str(n["iid"]) == parts[3]]
        if items is None:
            return 404, headers, json.dumps({"message": "404 Not Found"}).encode()
        size = self.spec.get("page_size", 20)
        return page_answer(items, page, size, params, f"{self.base}{self.prefix}{path}", headers)
