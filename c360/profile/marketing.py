"""Marketing section (R5): consents, last 10 campaigns received, open and click-through rates."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from c360 import models as m
from c360.models.enums import Channel
from c360.profile.common import rate
from c360.views import CampaignReceived, MarketingEngagement

RECENT_CAMPAIGNS = 10


def load_marketing(session: Session, customer_id: int) -> MarketingEngagement:
    """Consents per channel, the last 10 messages, and rates aggregated in SQL."""
    consents = {
        channel: opted_in
        for channel, opted_in in session.execute(
            select(m.MarketingConsent.channel, m.MarketingConsent.opted_in).where(
                m.MarketingConsent.customer_id == customer_id
            )
        ).all()
    }
    recent = session.execute(
        select(m.Campaign.name, m.CampaignMessage)
        .join(m.Campaign, m.Campaign.id == m.CampaignMessage.campaign_id)
        .where(m.CampaignMessage.customer_id == customer_id)
        .order_by(m.CampaignMessage.sent_at.desc(), m.CampaignMessage.id.desc())
        .limit(RECENT_CAMPAIGNS)
    ).all()
    msg = m.CampaignMessage
    last_click = (
        select(m.Campaign.name, msg.clicked_at)
        .join(m.Campaign, m.Campaign.id == msg.campaign_id)
        .where(msg.customer_id == customer_id, msg.clicked_at.is_not(None))
        .order_by(msg.clicked_at.desc(), msg.id.desc())
        .limit(1)
        .subquery()
    )
    sent, opened, clicked, last_email_open, clicked_name, clicked_at = session.execute(
        select(
            func.count(msg.id),
            func.count(msg.opened_at),
            func.count(msg.clicked_at),
            func.max(msg.opened_at).filter(msg.channel == Channel.EMAIL),
            select(last_click.c.name).scalar_subquery(),
            select(last_click.c.clicked_at).scalar_subquery(),
        ).where(msg.customer_id == customer_id)
    ).one()
    return MarketingEngagement(
        consents={channel: bool(consents.get(channel, False)) for channel in Channel},
        recent_campaigns=tuple(
            CampaignReceived(
                campaign=name,
                channel=message.channel,
                sent_at=message.sent_at,
                opened_at=message.opened_at,
                clicked_at=message.clicked_at,
            )
            for name, message in recent
        ),
        messages_sent=int(sent),
        open_rate=rate(int(opened), int(sent)),
        click_through_rate=rate(int(clicked), int(sent)),
        last_email_opened_at=last_email_open,
        last_campaign_clicked=clicked_name,
        last_campaign_clicked_at=clicked_at,
        messages_opened=int(opened),
        messages_clicked=int(clicked),
    )
