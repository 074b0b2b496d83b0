"""Dependency aliases for routes: the application state and what hangs off it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lineage_api.core.settings import Settings
from lineage_api.core.state import AppState
from lineage_api.store.protocol import GraphStore


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.lineage
    return state


def get_store(request: Request) -> GraphStore:
    return get_state(request).store


def get_app_settings(request: Request) -> Settings:
    return get_state(request).settings


StateDep = Annotated[AppState, Depends(get_state)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
