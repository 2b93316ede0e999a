"""Our own GraphiQL page, served from local assets (no CDN).

The assets are fetched at install time by scripts/fetch_graphiql.py into
static/vendor/graphiql/; the app serves that folder under the `assets` URL prefix.
"""

import html
import json
from pathlib import Path

ASSET_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "graphiql"
SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")
STYLESHEETS = ("graphiql.min.css",)
FETCH_HINT = (
    "The GraphiQL assets are not installed on this server. "
    "Fetch them with `make .venv/.synced` or `python scripts/fetch_graphiql.py`, then reload."
)
DEFAULT_QUERY = """\
# Welcome to Parley's GraphiQL.
# To authenticate, open the Headers tab below and enter:
#   {"Authorization": "Bearer <token>"}
# Subscriptions send these headers as connectionParams.
"""


def assets_available(static_dir: str | Path = ASSET_DIR) -> bool:
    """True when every file the page loads exists in static_dir (the fetch destination)."""
    return all((Path(static_dir) / name).is_file() for name in SCRIPTS + STYLESHEETS)


def _js(value: object) -> str:
    """A JSON literal that is safe inside an HTML <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")


def graphiql_page(
    endpoint: str, assets: str = "/static/graphiql", *, available: bool = True
) -> str:
    """HTML for GraphiQL against `endpoint`, loading scripts and styles from `assets`.

    With available=False (see assets_available) the page only explains how to fetch the
    assets; the page also says so by itself when the scripts fail to load.
    """
    if not available:
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>GraphiQL unavailable</title></head>"
            f"<body><pre>{html.escape(FETCH_HINT)}</pre></body></html>\n"
        )
    prefix = html.escape(assets.rstrip("/"), quote=True)
    styles = "\n".join(f'    <link rel="stylesheet" href="{prefix}/{n}">' for n in STYLESHEETS)
    scripts = "\n".join(f'    <script src="{prefix}/{n}"></script>' for n in SCRIPTS)
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Parley GraphiQL</title>
    <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
{styles}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL...</div>
{scripts}
    <script>
      (function () {{
        var root = document.getElementById("graphiql");
        if (!window.React || !window.ReactDOM || !window.GraphiQL) {{
          root.style.whiteSpace = "pre-wrap";
          root.style.fontFamily = "monospace";
          root.style.padding = "1em";
          root.style.height = "auto";
          root.textContent = {_js(FETCH_HINT)};
          return;
        }}
        var url = new URL({_js(endpoint)}, window.location.href);
        var subscriptionUrl = new URL(url.href);
        subscriptionUrl.protocol = url.protocol === "https:" ? "wss:" : "ws:";
        // graphiql 3 opens a graphql-ws client per subscription with connectionParams =
        // {{...wsConnectionParams, ...the headers typed in the Headers editor}}.
        var fetcher = GraphiQL.createFetcher({{
          url: url.href,
          subscriptionUrl: subscriptionUrl.href,
          wsConnectionParams: {{}},
        }});
        ReactDOM.createRoot(root).render(
          React.createElement(GraphiQL, {{
            fetcher: fetcher,
            defaultQuery: {_js(DEFAULT_QUERY)},
            isHeadersEditorEnabled: true,
            shouldPersistHeaders: true,
            defaultEditorToolsVisibility: "headers",
          }})
        );
      }})();
    </script>
  </body>
</html>
"""
