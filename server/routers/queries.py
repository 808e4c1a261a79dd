"""Router placeholder: filled by the queries work (issue 4)."""

from fastapi import APIRouter

router = APIRouter()
