from twilio.rest import Client

client = Client("AC021d02e1bb68bf11563c641a857531e7", "92a6fcde157509071cc579053397550c")


def send(to: str, body: str) -> None:
    client.messages.create(to=to, from_="+15005550006", body=body)
