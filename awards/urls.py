from django.urls import path

from . import views

app_name = "awards"

urlpatterns = [
    path("", views.nomination_list, name="nomination_list"),
    path("nominations/new/", views.nomination_create, name="nomination_create"),
    path("nominations/<int:pk>/", views.nomination_detail, name="nomination_detail"),
    path("nominations/<int:pk>/return/", views.nomination_return, name="nomination_return"),
    path("nominations/<int:pk>/resubmit/", views.nomination_resubmit, name="nomination_resubmit"),
    path("nominations/<int:pk>/attachments/", views.nomination_attach, name="nomination_attach"),
    path("nominations/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download,
         name="attachment_download"),
    path("nominations/<int:pk>/forward/", views.nomination_forward, name="nomination_forward"),
    path("nominations/<int:pk>/appraise/", views.nomination_appraise, name="nomination_appraise"),
    path("nominations/<int:pk>/<str:part>.pdf", views.nomination_document, name="nomination_document"),
    path("councils/", views.council_list, name="council_list"),
    path("councils/<int:council_pk>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/recuse/", views.session_recuse, name="session_recuse"),
    path("sessions/<int:pk>/open/", views.session_open, name="session_open"),
    path("sessions/<int:pk>/close/", views.session_close, name="session_close"),
    path("sessions/<int:pk>/vote/", views.session_vote, name="session_vote"),
    path("sessions/<int:pk>/minutes.pdf", views.session_minutes, name="session_minutes"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/new/", views.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/pdf/", views.decision_pdf, name="decision_pdf"),
    path("awards/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("awards/<int:pk>/annul/", views.award_annul, name="award_annul"),
]
