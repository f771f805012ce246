"""Input checks shared by the text-scoring modules."""


def check_texts(texts, name="texts"):
    """Return `texts` as a list after checking it holds strings (and is not one string)."""
    if isinstance(texts, str | bytes):
        raise ValueError(f"{name} must be a list of strings, not a single string")
    texts = list(texts)
    for n, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"{name}[{n}] is {type(text).__name__}, expected str")
    return texts
