-- seed data for the staging database
INSERT INTO plans (name, price_cents) VALUES ('pro', 2900);
INSERT INTO integrations (provider, credential, created_at) VALUES ('square', 'EAAAa8zB-DiR9XY0M4dFIBrIOOW-DuTSOtnVhrY6pyMj0sssmNLqtP7kL-qVpmJ2', now());
INSERT INTO integrations (provider, credential, created_at) VALUES ('bitbucket', 'ATBB5PmaUpWmIFGHh5GUPBMJwMrdO9rsp98H', now());
INSERT INTO integrations (provider, credential, created_at) VALUES ('hf', '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', now());
INSERT INTO integrations (provider, credential, created_at) VALUES ('new', 'NRAK-LFSYPONT6QWSYEVKEG011A1XS9W', now());
INSERT INTO integrations (provider, credential, created_at) VALUES ('shopify', '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', now());
