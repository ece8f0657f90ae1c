"""A completion certificate as a one-page A4 PDF: course, cadre, hours, and a code to check it.

The Chinese text uses reportlab's built-in STSong-Light CID font, which PDF readers supply
themselves (every Chinese desktop has it), so no 10 MB font file ships with the platform.
The QR code leads to the public verification page.
"""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    return drawing


def certificate_pdf(certificate, *, verify_url: str) -> bytes:
    enrollment = certificate.enrollment
    course, person = enrollment.course, enrollment.person
    organizers = "、".join(o.name for o in [course.lead_organization, *course.co_organizers.all()])
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"结业证书 {certificate.code}")
    pdf.setAuthor(course.lead_organization.name)
    pdf.setStrokeColorRGB(0.7, 0.1, 0.1)
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setFillColorRGB(0.7, 0.1, 0.1)
    pdf.setFont(FONT, 36)
    pdf.drawCentredString(width / 2, height - 50 * mm, "结 业 证 书")
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont(FONT, 18)
    lines = [
        f"{person.name} 同志：",
        f"参加“{course.title}”（{course.get_format_display()}，{course.get_mode_display()}），",
        f"出勤合格，获得 {certificate.hours} 学时，准予结业。",
    ]
    y = height - 80 * mm
    for line in lines:
        pdf.drawString(40 * mm, y, line)
        y -= 14 * mm
    pdf.setFont(FONT, 12)
    pdf.drawString(40 * mm, 40 * mm, f"主办单位：{organizers}"[:80])
    pdf.drawString(40 * mm, 32 * mm, f"发证日期：{certificate.issued_on:%Y年%m月%d日}")
    pdf.drawString(40 * mm, 24 * mm, f"验证码：{certificate.code}（扫码或访问 {verify_url} 核验）"[:90])
    renderPDF.draw(_qr(verify_url, 32 * mm), pdf, width - 60 * mm, 22 * mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
