"""Every template compiles at worker start (wsgi.py), so a worker's first page pays no
compilation, and a template that does not compile stops the worker before it serves."""

from portal.templating import compile_templates


def test_every_template_compiles_before_the_first_request(app):
    compiled = compile_templates(app)
    names = app.jinja_env.list_templates()
    assert compiled >= 150
    assert "pipeline/_ranked_body.html" in names
    assert len(app.jinja_env.cache) >= compiled  # kept: the first render compiles nothing
