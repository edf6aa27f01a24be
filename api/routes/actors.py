
from fastapi import APIRouter, HTTPException, Request

from api.deps import Connection, actor_id_of
from api.models import ActorOut, Problem
from storage import queries

router = APIRouter(tags=["actors"])


@router.get("/actors")
async def list_actors(conn: Connection) -> list[ActorOut]:
    """Every actor in the projection."""
    return [ActorOut.model_validate(a) for a in await queries.actors(conn)]


@router.get("/actors/{actor}", responses={404: {"model": Problem}})
async def get_actor(actor: str, request: Request, conn: Connection) -> ActorOut:
    """One actor, by id, name or alias."""
    found = await queries.actor(conn, await actor_id_of(request, conn, actor))
    if found is None:  # the registry knows the actor; the projection has no claim of it yet
        raise HTTPException(status_code=404, detail=f"no claims of actor {actor!r} yet")
    return ActorOut.model_validate(found)
