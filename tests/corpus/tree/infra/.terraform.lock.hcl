provider "registry.terraform.io/hashicorp/aws" {
  version = "5.44.0"
  hashes = [
    "h1:UJH9WPGCuh6+9IJ84imA64uBVHz6slSYxEJj7fN+xVQ=",
    "zh:d6eb9fd44c0cdb9dd1271419a21510e7a45ac88741636e7551ab3c3c96b224c9",
  ]
}

provider "registry.terraform.io/hashicorp/random" {
  version = "5.16.0"
  hashes = [
    "h1:7Hf/Bm6Lag1sxQZa3s0OjmpEFs3zE1pOE8HqUL0YSVI=",
    "zh:7715861eadfe64ba3268c5c095d505dfc29b2a5add81dc38169cda39705c3d67",
  ]
}

provider "registry.terraform.io/cloudflare/cloudflare" {
  version = "5.36.0"
  hashes = [
    "h1:NT2jsHxaOOP5Fa7o2l5PGgxssO+F0L+Mkz0nRroYdcw=",
    "zh:55fb9da7974582849d03062d2ed5a610473dcd64c362af7d5a4c8eb70b87a509",
  ]
}

