"""Attribution codes: short links and QR codes that credit a self-intake to an agent, an
outreach session, a venue, a partner or a campaign."""
