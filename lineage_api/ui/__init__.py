"""The lineage page at ``/ui/``: trace, impact and PII flows drawn in the browser, served by the API itself.

Static files only (``static/``: index.html, app.css, js/*.js and vendored Cytoscape.js + dagre with their licences);
the page calls the same ``/api/v1`` endpoints with the same API keys.
"""
