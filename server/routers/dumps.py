"""Router placeholder: filled by the dumps work (issue 6)."""

from fastapi import APIRouter

router = APIRouter()
