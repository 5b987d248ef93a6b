#!/bin/sh
curl -X POST https://api.twilio.com/2010-04-01/Accounts/ACab3557d0e003c4e8e13f86243c5c4ce2/Messages.json -u ACab3557d0e003c4e8e13f86243c5c4ce2:2ce08185891bbff6c0fab3c837a96954 --data-urlencode 'To=+15005550006' --data-urlencode 'Body=smoke'
