"""`kg draft`: annotations drafted from an article's text, for a person to review.

The draft is the project's annotation format (kg/annotations.py), every value cited by an exact
quote and every entry marked `drafted: {rule, confidence}`. It is written beside the article as
`annotations.draft.yaml` and never builds until a person accepts it (`kg draft --accept`).
"""
