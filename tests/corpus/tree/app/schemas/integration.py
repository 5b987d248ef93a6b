from pydantic import BaseModel, Field, SecretStr


class Integration(BaseModel):
    api_key: str = Field(..., min_length=32)
    client_secret: SecretStr
    webhook_secret: str | None = None
    token_expires_in: int = 3600
    password_hash_algorithm: str = "argon2id"
    secret_arn: str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-AbCdEf"
