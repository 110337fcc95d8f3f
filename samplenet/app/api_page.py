"""What the "Use via API" page shows as examples, chosen so that each one
runs as shown from the root of a clone of the repository (the example files
are the repository's own).  Free of gradio imports: ``launch.py`` puts
:data:`CURL_FIX_SCRIPT` in the page's head.

Gradio 6 writes the cURL example of each endpoint itself, in the browser,
as ``... | read EVENT_ID; curl -N .../$EVENT_ID``: in bash (not zsh) the
``read`` runs in a subshell of the pipe, ``EVENT_ID`` stays empty and the
GET answers ``{"detail":"Method Not Allowed"}``; it also uploads one
placeholder file for every file parameter.  :data:`CURL_FIX_SCRIPT` puts
:func:`curl_example`'s text in its place: one upload per file, the POST,
then the GET of the event stream (Gradio 6's two-request flow).
"""
from __future__ import annotations

import json
import shlex
from pathlib import PurePosixPath
from typing import Any

#: The example file the page shows for each file parameter.
API_EXAMPLE_FILES = {"image": "examples/lemur.png", "trimap": "examples/lemur_trimap.png",
                     "mask": "examples/lemur_mask.png"}

#: Example values of other parameters, where the default alone would not run
#: (``/auto`` needs a box or points): the lemur's box from examples/make_trimaps.py.
API_EXAMPLE_VALUES: dict[str, Any] = {"box": [125, 45, 485, 388], "points": None}

#: Each endpoint's parameters in order with the value its examples pass.
API_EXAMPLE_CALLS: dict[str, list[tuple[str, Any]]] = {
    "matte": [("image", API_EXAMPLE_FILES["image"]), ("trimap", API_EXAMPLE_FILES["trimap"]), ("engine", "auto")],
    "auto": [("image", API_EXAMPLE_FILES["image"]), ("box", API_EXAMPLE_VALUES["box"]), ("points", None),
             ("band_width", 0), ("engine", "auto")],
    "trimap": [("image", API_EXAMPLE_FILES["image"]), ("mask", API_EXAMPLE_FILES["mask"]), ("band_width", 12)],
}

ROOT_PLACEHOLDER = "__SERVER_ROOT__"


def curl_example(api_name: str, root: str = ROOT_PLACEHOLDER) -> str:
    """A bash (and zsh) command that calls ``/<api_name>`` on the server at
    ``root`` with the example files and values, and prints the event stream
    whose ``data:`` line holds the outputs."""
    lines = [f"ROOT={shlex.quote(root.rstrip('/'))}"]
    data = []
    for name, value in API_EXAMPLE_CALLS[api_name]:
        if name in API_EXAMPLE_FILES:
            variable = name.upper()
            lines.append(f"{variable}=$(curl -s -X POST \"$ROOT/gradio_api/upload\" -F 'files=@{value}'"
                         " | tr -d '[]\" ')")
            data.append(f'{{"path": "\'"${variable}"\'", "orig_name": "{PurePosixPath(value).name}", '
                        '"meta": {"_type": "gradio.FileData"}}')
        else:
            data.append(json.dumps(value))
    lines.append(f"EVENT_ID=$(curl -s -X POST \"$ROOT/gradio_api/call/{api_name}\" "
                 "-H \"Content-Type: application/json\" \\")
    lines.append(f"  -d '{{\"data\": [{', '.join(data)}]}}' | awk -F'\"' '{{ print $4 }}')")
    lines.append(f"curl -s -N \"$ROOT/gradio_api/call/{api_name}/$EVENT_ID\"")
    return "\n".join(lines)


def _fix_script() -> str:
    examples = json.dumps({name: curl_example(name) for name in API_EXAMPLE_CALLS})
    return f"""<script>
(() => {{
    // See samplenet/app/api_page.py: Gradio's cURL example fails in bash; show one that runs.
    const examples = {examples};
    const fix = () => document.querySelectorAll('code, pre').forEach(block => {{
        const text = block.textContent;
        const call = text.match(/(\\S+?)\\/?gradio_api\\/call\\/v2\\/(\\w+)/);
        if (!text.includes('read EVENT_ID') || !call || !(call[2] in examples)) return;
        const root = text.match(/(\\S+?)\\/gradio_api\\/upload/) || call;
        const nodes = [];
        const walk = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
        while (walk.nextNode()) nodes.push(walk.currentNode);
        // change the text nodes in place (the page's own code keeps its references to them)
        nodes.forEach((node, i) => {{
            node.nodeValue = i ? '' : examples[call[2]].replaceAll('{ROOT_PLACEHOLDER}', root[1]);
        }});
        block.style.whiteSpace = 'pre-wrap';  // one command a line, as copied
    }});
    new MutationObserver(fix).observe(document.documentElement, {{childList: true, subtree: true,
                                                                   characterData: true}});
}})();
</script>"""


#: The page head's script that replaces Gradio's cURL examples by :func:`curl_example`'s.
CURL_FIX_SCRIPT = _fix_script()
