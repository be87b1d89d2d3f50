"""The docs, the quickstart and the notebooks say what reach does."""
