"""Drafts several test folders read: one strong full narrative, told from a tenants' block."""

PARK_HOUSE = (
    "Last winter the heating in our block failed for three weeks. One night I found my "
    "neighbour Mrs Adeyemi wrapped in two coats in her kitchen. I decided I would not wait "
    "for the landlord: I knocked on every door on the fourth floor, and twelve families signed "
    "a letter. Two weeks later the boiler was replaced. I learned that together we are heard.\n\n"
    "We are the tenants of Park House, and we believe every family deserves a warm home. The "
    "housing board decides the repair budget on 3 March. If forty of us come, they will have "
    "to answer us. Come with me to the board meeting at 6 pm on 3 March, and bring one neighbour."
)
