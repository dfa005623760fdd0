# Read by the `flask` command: lets you type `flask dev` instead of `flask --app ... dev`.
FLASK_APP={{ cookiecutter.project_slug }}
