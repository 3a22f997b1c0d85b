"""The Learning and Editors sections of the API: courses, lessons, quizzes, progress, and the
editors' import, publish and stats."""
