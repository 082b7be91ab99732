"""What the bot says: help, usage lines and refusals, in one place."""

RFC_HELP = """*RFCs from Slack* (`/rfc ...`)
• `/rfc new`: file an RFC (opens a form; the bot opens its pull request)
• `/rfc list [STATUS]` · `/rfc show NUMBER`
• `/rfc ready NUMBER SHEPHERD`: an author moves a draft to review, naming its shepherd
• `/rfc fcp NUMBER accept|reject|postpone [OPTION] [SUMMARY]`: an RFC approver of the owning SIG \
proposes the final comment period
• `/rfc approve NUMBER`: sign off (or press *Approve* on the RFC's message)
• `/rfc concern NUMBER NAME [non-blocking]` · `/rfc resolve NUMBER NAME`
• `/rfc cancel NUMBER`: cancel the final comment period
The process: quorum is max(2, two thirds) of the SIG's approvers, at most 2 outstanding, no open \
blocking concern; then 5 business days in the SIG's time zone. A blocking concern pauses the clock."""

HELP = {"rfc": RFC_HELP}

USAGE = {
    "show": "usage: /rfc show NUMBER",
    "ready": "usage: /rfc ready NUMBER SHEPHERD (the shepherd's GitHub login)",
    "fcp": "usage: /rfc fcp NUMBER accept|reject|postpone [OPTION] [SUMMARY]",
    "approve": "usage: /rfc approve NUMBER",
    "concern": "usage: /rfc concern NUMBER NAME [non-blocking]",
    "resolve": "usage: /rfc resolve NUMBER NAME",
    "cancel": "usage: /rfc cancel NUMBER",
    "list": "usage: /rfc list [STATUS]",
}

NOT_A_MEMBER = ("I don't know you yet: add yourself to community/people.yaml with your Slack member id "
                "(`slack_id`), then try again.")
UNKNOWN = "I don't know `/rfc {sub}`. " + "Try `/rfc help`."
