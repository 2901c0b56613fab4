"""Reports: the department-report notebook executed by papermill (build.py, engine.py), its
offline HTML (html.py), the index page (index.py) and safe paths (paths.py)."""
