"""`mlcost serve`: the dashboard over the journal (scans, findings, fixes, schedule actions,
bench runs) and the billing database — server-rendered pages (FastAPI + Jinja2), charts as
inline SVG with their tables, no JavaScript needed to read, no CDN. Apply and undo are POST
forms behind the access token with a CSRF value and a confirmation page, calling the fix
framework the CLI calls.

Needs the ``serve`` extra (``pip install 'mlcost[serve]'``): FastAPI, Jinja2, uvicorn."""
