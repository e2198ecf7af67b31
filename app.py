"""Entry point: `gunicorn app:server` in production, `python app.py` for a quick local run."""

from attendly import create_app

server = create_app()

if __name__ == "__main__":
    server.run(host="127.0.0.1", port=8050)
