package com.acme.auth;

public class TokenService {
    private static final String SECRET_PROPERTY = "acme.jwt.secret";
    private final String secret;
    public TokenService(@Value("${acme.jwt.secret}") String secret) { this.secret = secret; }
    public boolean isExpired(String token) { return token == null || token.isEmpty(); }
}
