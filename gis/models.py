"""Import every ORM model so that Base.metadata knows the whole schema."""
from gis.auth.models import AccessLogEntry, ApiKey, AreaScope, Role, User, UserRole
from gis.grid.models import Cell, CellPiece, Generation
from gis.incidents.models import Incident, IncidentCategory, IncidentTransition
from gis.layers.models import LegacyCell, LegacyLayer
from gis.people.models import (
                               Building,
                               Household,
                               HouseholdMove,
                               Person,
                               SpecialPopulationCategory,
                               SpecialPopulationRecord,
)
from gis.places.models import Camera, Fence
from gis.regions.models import Region
from gis.staff.models import Staff, StaffAssignment, StaffRole

__all__ = [
    "AccessLogEntry", "ApiKey", "AreaScope", "Building", "Camera", "Cell", "CellPiece",
    "Fence", "Generation", "Household", "HouseholdMove", "Incident", "IncidentCategory",
    "IncidentTransition", "LegacyCell", "LegacyLayer", "Person", "Region", "Role",
    "SpecialPopulationCategory",
    "SpecialPopulationRecord", "Staff", "StaffAssignment", "StaffRole", "User", "UserRole",
]
