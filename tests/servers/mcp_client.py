"""Drives `keyhound mcp` with the reference MCP Python SDK (PyPI `mcp`):
lists the tools, then makes each call given as JSON on the command line and
prints one JSON document with everything the server answered.

usage: mcp_client.py KEYHOUND_BINARY 'SERVER_ARGS_JSON' 'CALLS_JSON'
where CALLS_JSON is a list of [tool_name, arguments] pairs. Text secrets
travel in the calls' arguments (never in argv of keyhound itself).
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main() -> None:
    binary, server_args, calls = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    params = StdioServerParameters(command=binary, args=["mcp", *server_args])
    out = {"calls": []}
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            out["protocol_version"] = init.protocol_version
            out["server"] = init.server_info.name
            tools = await session.list_tools()
            out["tools"] = sorted(t.name for t in tools.tools)
            for name, arguments in calls:
                result = await session.call_tool(name, arguments)
                out["calls"].append(
                    {
                        "tool": name,
                        "is_error": bool(result.is_error),
                        "text": "".join(c.text for c in result.content if getattr(c, "type", "") == "text"),
                        "data": result.structured_content,
                    }
                )
    print(json.dumps(out))


asyncio.run(main())
