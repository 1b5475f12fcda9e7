"""Every action_id and callback_id in one place."""

# Buttons
APPROVE = "invitation_approve"
DENY = "invitation_deny"
RESEND = "invitation_resend"
REVOKE = "invitation_revoke"
STATUS = "invitation_status"
LIST_PAGE = "invitation_list_page"
RETRY_DELIVERY = "delivery_retry"

# Modals
INVITE_MODAL = "invite_modal"
STATUS_MODAL = "status_modal"
RESEND_MODAL = "resend_modal"
SUSPEND_MODAL = "suspend_modal"
DENY_MODAL = "deny_modal"

# Blocks and inputs inside the modals (block_id, action_id are the same string).
EMAIL = "email"
NAME = "name"
ACCOUNT = "account"
JOB = "job"
ACCESS = "access"
SEND_NOW = "send_now"
NOTE = "note"
REASON = "reason"
PICK = "pick"

# Files
BULK_MODAL = "bulk_modal"
FILE = "csv_file"
UPLOAD_FAILED_ROWS = "upload_failed_rows"

# Admin screens
LINK_NEW = "signup_link_new"
LINK_DISABLE = "signup_link_disable"
TEMPLATES_MODAL = "templates_modal"
TEMPLATE_KIND = "template_kind"
TEMPLATE_PREVIEW = "template_preview"
TEMPLATE_RESET = "template_reset"
SUBJECT = "subject"
BODY = "body"
ACCESS_MODAL = "access_modal"
ROLE = "role"
SETTINGS_MODAL = "settings_modal"
