resource "tls_private_key" "unused" {
  algorithm = "RSA"
}

locals {
  bastion_private_key = <<-EOT
    -----BEGIN RSA PRIVATE KEY-----
    MIIEpQIBAAKCAQEAgF7e4VBBe+bKBZY7C78oIeYi0vQ/fo48hlmy517wdRjrZbZl
    76rk5t3z0cTeB37DCJE6lHwFyjDj5DT0dzsyPSaoZ9Wkb5YX+QmEteRgfH/g9S10
    qyoxMPfDirkIm9AojbFRvJD/q//Hvl0MpqGkanqtDcAm+UAQfc084+QfcSRgRfmW
    gabdoDKunP76yI4XKx+dUX6mms8t0lyDDGBiD1vR5FmkkOWuQf11C/qBopYDZZaa
    aMjVo2wslmgA3mfKoIM3wsmr9Ne78J37r1a/SfkDUFILyShlbgowefYocJqvwL+X
    9EUXU/gv2UPVKcDR0Jga0rF21C23D2VL3+ZmSQIDAQABAoIBADBh9meuA5TojMLN
    udbK+Cooz66Egj7Czd5VpvXWtD6M7Ge5/MXlbSLguwywWkDHIoRFlEdyu2cGNJSS
    /KZlZYZOKB1YkwCDcYWZCtYy6NSYJBjP7ZBMbHNKDSr2cYw/KQoOquBoJk1YwQms
    XSab6H9J+nJN6uDWwrloeuMeACuvYv2dGeMfNCKTq2EweS5Bue1YnXdkJukUbJCi
    vmhxTypuDClkkaWPwy7nvZroASipjy97lM3PgnxgilyVp2f/ZAQ6Y0hlPoLM364s
    vmSL7kSXDL7Z7UOhZPc0e1m8q97CkU6G8wngYMIJJUAnSCiVlvEcznogkj1b1Wa2
    4hP/AlUCgYEApNmxIdVErPVcHFf3KKlDkjaAh6I3lPfLBvhWQpvBe6OYhWmXABWA
    pZLqzWg1bvW+2mDR74MryTrq9ToQHBxN8I97QzxSfSpDlWWb1/cBy6+Fdo+4Rqp0
    AORvyTW6hekk5JW0fJ7foFDO3lHsCk4erqxaKLxEaCUHBM3GOxdj9YMCgYEA0Mu5
    ryXVc0n/BG9sU93fj5RfYgAAj8KEQ7UT9hCA8vf9QPMgJqxRQ9r/RNxhI2ads0jd
    RUJo5E5hrLzYsUmRgXj+HuvIB3j7NQtTlev0nj3wviYrWbczMYNFnPoMRxLHkHFI
    I/NFawzOYS415NDVlWwcPHJgHg9+xXhtikR7UmsCgYEA4cr24YGMWjlPSWat86Vp
    kURk5NxDmwPoLcwIa/2xutteRfa1Nlf0LghoCjn2h+Q2RDxwPLJTIxd8Gf1/G3h5
    CFy3En/nLxR8o0ScAuP/a2WdAmeUVaFHtGhL5VhKmwauMnjSwshHJIVJL3iiGpOL
    vhf2JlfxFcnlXUH/zEdepU0CgYEAq4Kh2zYFURe+QFitkoYsynQjfPXYah98WSBH
    UdUB+IOf7VXXiofcQb5qPY/qQfDFzu4qdujgCpbuxzHMPFyDi0dovzqTKNHvrcIl
    dHRgrdWcgXribK9A3aaJYueMwYu89VY21Qq9X+au2NtVjzqLrH5bETzZoCWng0Pl
    OflwEQUCgYEAmxKOiK2HDItxy/8qDVLLNUsEWWKSMZbwCrya+ld915C/jZAieYYQ
    JX2LqHpWRYPedPZvwy1DVkcm6qosI5Tgp1y8ftJrSaV1GW1NiqM34pk0tgDQVVAO
    GcWvju/uU7Wan9yxyi6iag4niVMMZH0KxLTNSRMti1iUXDPVLW49hBs=
    -----END RSA PRIVATE KEY-----
  EOT
}
