"""Start the dashboard warm: ``python serve.py [streamlit run options]`` (what ``make run`` does).

``streamlit run app.py`` works too, but then the first visitor after a start waits for the server's
cold start: importing pandas, plotly and the core, opening the store, reading and rating it (some
seconds at ten national rounds). Here that is done first (``pages.common.warm_up``), into the caches
the pages read, and the server takes connections only once it is done. What it then runs is
``asgi.py``: ``app.py`` as an ``st.App`` whose page links find the server at once.
"""
from __future__ import annotations

import gc
import logging
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Outside a script run Streamlit warns at every cached function, and at every cached call, that there is no
# session yet: expected while warming up, and only noise in the server's log.
QUIET = ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.caching.cache_resource_api",
         "streamlit.runtime.scriptrunner_utils.script_run_context")


def warm() -> None:
    started = time.perf_counter()
    sys.path.insert(0, str(HERE))
    import streamlit  # noqa: F401 (its loggers exist once it is imported)

    quiet = [logging.getLogger(name) for name in QUIET]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.ERROR)
    try:
        from streamlit.runtime.pages_manager import PagesManager

        import pages.common
        import core.compare, core.views, core.whatif  # noqa: E401, F401 (what the pages import)

        # The app's pages are st.Page entries of app.py's st.navigation. Streamlit otherwise takes the pages/
        # folder for an old-style multipage app until app.py has run once, and would run a deep link such as
        # /scorecard alone (pages.common undoes that on its first import within a run; here it was imported before).
        PagesManager.uses_pages_directory = False
        _streamlits_first_use()
        imported = time.perf_counter() - started
        try:
            taken = {"imports": imported, **pages.common.warm_up()}
        except Exception as exc:  # e.g. the store unreachable: the pages say so themselves, to whoever visits
            print(f"not warmed up ({type(exc).__name__}: {exc}); starting cold", file=sys.stderr, flush=True)
            return
    finally:
        for q, level in zip(quiet, levels):
            q.setLevel(level)
    # A full collection walks every object the process holds: some 200,000 once the store is read and rated at
    # ten rounds, 100-300 ms. Streamlit ran one after every script run (runner.postScriptGC, now off in
    # .streamlit/config.toml), before the page's last message went out; Python's own collector still runs.
    # What the warm-up made lives as long as the server: frozen, no collection walks it.
    gc.freeze()
    print("warmed up: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in taken.items()), flush=True)


def _streamlits_first_use() -> None:
    """What Streamlit and pandas do once per process, at the first page's first elements, done here instead
    (py-spy on the server: some 300 ms of the first page's 500 ms script run after a start):

    - the emoji and Material icon catalogues, large modules loaded to check the page icon
      (``st.set_page_config``: any text that is not ASCII is looked up) and the pages' icons (``st.Page``);
    - pandas' Styler (the rating tables' colours), whose import compiles its jinja templates;
    - the warning for a script run by ``python``, not ``streamlit run``, checked before the first element
      is sent: its test for an interactive interpreter calls ``inspect.stack()``, which reads the source
      of every frame of the script thread and looks each file up among every loaded module (170 ms).
      This process always runs the app under ``streamlit run`` (``main``), where the warning never
      applies, so it is marked as given, as Streamlit itself marks it after its first check.
    """
    import pandas.io.formats.style  # noqa: F401
    import streamlit.delta_generator
    from streamlit import string_util

    string_util.is_emoji("⚖️")
    string_util.is_material_icon("dashboard")
    if hasattr(streamlit.delta_generator, "_use_warning_has_been_displayed"):
        streamlit.delta_generator._use_warning_has_been_displayed = True


def main(argv: list[str]) -> None:
    warm()
    from streamlit.web import cli

    cli.main(["run", str(HERE / "asgi.py"), *argv], prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
