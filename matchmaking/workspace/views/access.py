"""Who may open the staff workspace, and the paging every list page shares (re-exported
from partners.permissions and components.web so workspace views import one module)."""

from common.htmx import wants_fragment
from common.paging import paginate, query_without_page
from partners.permissions import staff_required

__all__ = ["wants_fragment", "paginate", "query_without_page", "staff_required"]
