import os
token = os.environ["GITHUB_TOKEN"]
headers = {"Authorization": "Bearer " + token}
