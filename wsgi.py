"""WSGI entry point: `gunicorn -w 4 wsgi:app`.

Each worker compiles the templates before it takes a request, then freezes what start-up made
(`gc.freeze`): the cycle collector no longer walks those objects, whose full collections took
0.1 to 0.3 s each under load at 5,000 ideas (`bench/pipeline_load.py`)."""

import gc

from portal import create_app
from portal.templating import compile_templates

app = create_app()
compile_templates(app)
gc.freeze()
