"""The error tables of the "Leads & CRM" document, transcribed: for each operation, the messages
it lists, by status and field (``detail`` for a Request Failed row). ``<status>`` and ``<source>``
stand for the value sent, as the document writes them."""

REQUIRED = "This field is required."
BLANK = "This field may not be blank."
# The appointment tables' own wording, typo included.
IS_MAY_NOT_BE_BLANK = "This field is may not be blank."
AT_MOST_255 = "Ensure this field has no more than 255 characters."

_SCHEDULE_FAILURES = [
    "Body data not found.",
    "Appointment schedule exists for this time.",
    "End Date Can't be prior to Start Date.",
    "Please Specify a date in the future.",
]
_DATE = [IS_MAY_NOT_BE_BLANK, "Invalid date format."]
_APPOINTMENT_ID = [
    REQUIRED,
    IS_MAY_NOT_BE_BLANK,
    "Invalid appointment id.",
    "Requested appointment not found.",
]
_LEAD_FIELDS = {
    "first_name": [REQUIRED, BLANK, AT_MOST_255],
    "last_name": [REQUIRED, BLANK, AT_MOST_255],
    "email": [REQUIRED, BLANK, AT_MOST_255, "Invalid email."],
    "phone": [
        REQUIRED,
        BLANK,
        "Phone number must be entered in the format: '999999999'. Up to 15 digits allowed.",
    ],
    "location": [AT_MOST_255],
    "message": [AT_MOST_255],
    "status": ['"<status>" is not a valid choice.'],
    "source": ['"<source>" is not a valid choice.'],
    "assignee": [BLANK, "Assignee not found."],
}
_DELETABLE_SLUG = [
    REQUIRED,
    BLANK,
    "Requested lead not found.",
    "Requested lead already has a deleted status.",
]

DOCUMENTED: dict[str, dict[int, dict[str, list[str]]]] = {
    "lead_overview": {400: {"appointment": ["Invalid appointment filter value."]}},
    "view_lead": {
        400: {
            "slug": [
                "This field is required and this may not be blank.",
                "Requested slug is invalid.",
            ]
        }
    },
    "create_appointment": {
        401: {"detail": _SCHEDULE_FAILURES},
        400: {
            "slug": [
                REQUIRED,
                IS_MAY_NOT_BE_BLANK,
                "Requested slug is invalid.",
                "You can't take appointment under this lead.",
            ],
            "appointment_date": [REQUIRED, *_DATE],
            "appointment_to": [REQUIRED, *_DATE],
            "appointment_note": ["Ensure this field has no more than 200 characters."],
            "appointment_status": ["Invalid appointment status."],
        },
    },
    "update_appointment": {
        401: {"detail": [*_SCHEDULE_FAILURES, "You can't update this appointment."]},
        400: {
            "appointment_id": _APPOINTMENT_ID,
            "slug": [
                IS_MAY_NOT_BE_BLANK,
                "Requested slug is invalid.",
                "You can't take appointment under this lead.",
            ],
            "appointment_date": _DATE,
            "appointment_to": _DATE,
            "appointment_note": ["Ensure this field has no more than 200 characters."],
            "appointment_status": ["Invalid appointment status."],
        },
    },
    "delete_appointment": {
        401: {"detail": ["You can't delete this appointment."]},
        400: {"appointment_id": _APPOINTMENT_ID},
    },
    "create_lead": {400: _LEAD_FIELDS},
    "update_lead": {
        401: {"detail": ["Requested lead does not esixt.", "You are not owner of this lead."]},
        400: {
            "slug": [REQUIRED, BLANK, "Ensure this field has no more than 258 characters."],
            **_LEAD_FIELDS,
        },
    },
    "delete_lead": {
        401: {"detail": ["You can't delete this lead."]},
        400: {"slug": _DELETABLE_SLUG},
    },
    "create_lead_note": {
        401: {"detail": ["You can't add note on this lead."]},
        400: {
            "slug": _DELETABLE_SLUG,
            "note": [REQUIRED, BLANK, "Ensure this field has no more than 499 characters."],
        },
    },
    "delete_lead_note": {
        401: {"detail": ["You can't delete this note."]},
        400: {"note_id": [REQUIRED, BLANK, "Requested note not found.", "Invalid note id."]},
    },
}
"""Operation id (the heading's path; the sample-code paths share it) -> status -> field ->
messages."""
