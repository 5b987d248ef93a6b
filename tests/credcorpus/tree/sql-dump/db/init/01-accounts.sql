-- Provisioning for the shop databases (run once by the DBA).
-- Application passwords come from Vault in every other environment.

CREATE DATABASE IF NOT EXISTS shop CHARACTER SET utf8mb4;

CREATE USER IF NOT EXISTS 'shop_app'@'10.20.%' IDENTIFIED BY 'Sq2V9yx!w%!4AF';
GRANT SELECT, INSERT, UPDATE, DELETE ON shop.* TO 'shop_app'@'10.20.%';

CREATE USER 'shop_ro'@'%' IDENTIFIED WITH caching_sha2_password BY '${SHOP_RO_PASSWORD}';
CREATE USER 'reporting'@'%' IDENTIFIED WITH mysql_native_password AS '*5B4CB82D6BC07084630A4F898CE0FC4B811274B4';
ALTER USER 'shop_app'@'10.20.%' PASSWORD EXPIRE INTERVAL 90 DAY;
SET PASSWORD FOR 'backup'@'localhost' = '.zWVrGp9rKWP7s';

-- PostgreSQL side (orders)
CREATE ROLE orders_app WITH LOGIN PASSWORD '7RfQI.Vz8~V~BB' CONNECTION LIMIT 50;
ALTER ROLE orders_migrator WITH LOGIN PASSWORD 'SCRAM-SHA-256$4096:xbe3wvEAU00GQZ/UYHttlQ==$3rzNSdauFOdEL782gi+DeMkAPuM/VT9qeUmyDEuTgyI=:O1aY56d47agQDvTfApgxbcgjnTXA3kfadLzUgZG4kpU=';
ALTER ROLE readonly PASSWORD NULL;
COMMENT ON ROLE orders_app IS 'password is rotated by the vault database engine';

INSERT INTO users (id, email, password_hash, role) VALUES
  (1, 'ann@acme.test', '$2b$12$ih4V8A8/IbaGCaXugGI.Z2PF90ndCa1fNFh2uSXVWfNdTQHLc6lHX', 'admin'),
  (2, 'bob@acme.test', '$argon2id$v=19$m=65536,t=3,p=4$1PGdYPtKD2MkXaeTvoPyeg$xewIUIIYYE5xz2cZdmahLuIwB3Rj9o1SgZw/uktdaio', 'staff'),
  (3, 'svc-import@acme.test', NULL, 'service');

INSERT INTO settings (key, value) VALUES ('password_min_length', '12'), ('password_policy', 'strict');
